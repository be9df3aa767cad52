import { describe, expect, it } from 'vitest'
import {
  COUNTRY, THIRTY_MINUTE_RADIUS_KM, boxAround, bubbleSize, bubbles, childDimension, circleBox, circleRing,
  countsByCode, drillDown, drillUp, formatDistance, nearParameter, provinceSeriesData, regionOf, trail, type Level,
} from './mapState'

function km(a: [number, number], b: [number, number]): number {
  // haversine, [longitude, latitude]
  const rad = Math.PI / 180
  const dLat = (b[1] - a[1]) * rad
  const dLon = (b[0] - a[0]) * rad
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLon / 2) ** 2
  return 2 * 6371.0088 * Math.asin(Math.sqrt(h))
}

describe('region drill-down', () => {
  it('goes 全国 → province → city and no further, counting each level by its children', () => {
    expect(childDimension(COUNTRY)).toBe('province')
    expect(regionOf(COUNTRY)).toBeNull()
    const shaanxi = drillDown(COUNTRY, '61', '陕西省')
    expect(shaanxi).toEqual({ kind: 'province', code: '61', name: '陕西省' })
    expect(childDimension(shaanxi)).toBe('city')
    const weinan = drillDown(shaanxi, '6105', '渭南市')
    expect(weinan).toEqual({ kind: 'city', code: '6105', name: '渭南市', province: { code: '61', name: '陕西省' } })
    expect(regionOf(weinan)).toBe('6105')
    expect(childDimension(weinan)).toBe('county')
    expect(drillDown(weinan, '610502', '临渭区')).toBe(weinan)
  })

  it('refuses codes that are not a child of the level', () => {
    const shaanxi = drillDown(COUNTRY, '61', '陕西省')
    expect(drillDown(shaanxi, '3201', '南京市')).toBe(shaanxi)
    expect(drillDown(COUNTRY, '6105', '渭南市')).toBe(COUNTRY)
  })

  it('shows a municipality by its districts at once', () => {
    const beijing: Level = drillDown(COUNTRY, '11', '北京市')
    expect(childDimension(beijing)).toBe('county')
    expect(childDimension(drillDown(COUNTRY, '50', '重庆市'))).toBe('county')
  })

  it('goes back up and names the way', () => {
    const weinan = drillDown(drillDown(COUNTRY, '61', '陕西省'), '6105', '渭南市')
    expect(trail(weinan).map((s) => s.label)).toEqual(['全国', '陕西省', '渭南市'])
    expect(drillUp(weinan)).toEqual({ kind: 'province', code: '61', name: '陕西省' })
    expect(drillUp(drillUp(weinan))).toEqual(COUNTRY)
    expect(trail(COUNTRY).map((s) => s.label)).toEqual(['全国'])
    expect(trail(weinan)[1]?.level).toEqual({ kind: 'province', code: '61', name: '陕西省' })
  })
})

describe('counts', () => {
  const groups = [
    { key: '61', name: '陕西省', activities: 12 },
    { key: '32', name: '江苏省', activities: 3 },
    { key: null, name: null, activities: 4 },
    { key: '44', name: '广东省', activities: 0 },
  ]

  it('maps a statistics breakdown by region code, leaving out groups with no code or nothing', () => {
    const counts = countsByCode(groups)
    expect([...counts.keys()]).toEqual(['61', '32'])
    expect(counts.get('61')).toEqual({ code: '61', name: '陕西省', activities: 12 })
  })

  it('colours every province outline, those without activities with 0', () => {
    const data = provinceSeriesData(countsByCode(groups), [
      { code: '61', name: '陕西省' }, { code: '44', name: '广东省' }, { code: '71', name: '台湾省' },
    ])
    expect(data).toEqual([
      { name: '陕西省', code: '61', value: 12 },
      { name: '广东省', code: '44', value: 0 },
      { name: '台湾省', code: '71', value: 0 },
    ])
  })

  it('puts regions at their centres as bubbles, largest first, and leaves out those without one', () => {
    const counts = countsByCode([
      { key: '6101', name: '西安市', activities: 2 },
      { key: '6105', name: '渭南市', activities: 9 },
      { key: '6199', name: '未知', activities: 1 },
    ])
    const found = bubbles(counts, { '6101': ['西安市', 108.94, 34.34], '6105': ['渭南市', 109.51, 34.5] })
    expect(found).toEqual([
      { code: '6105', name: '渭南市', value: [109.51, 34.5, 9] },
      { code: '6101', name: '西安市', value: [108.94, 34.34, 2] },
    ])
  })

  it('sizes bubbles by area, within 10 to 44 px', () => {
    expect(bubbleSize(0, 10)).toBe(0)
    expect(bubbleSize(10, 10)).toBe(44)
    expect(bubbleSize(1, 1000)).toBeGreaterThanOrEqual(10)
    expect(bubbleSize(25, 100)).toBe(27) // half the diameter's growth for a quarter of the count
  })
})

describe('the 30-minute circle', () => {
  it('is the directory preset: 15 km', () => {
    expect(THIRTY_MINUTE_RADIUS_KM).toBe(15)
  })

  it('is a closed ring whose every point is 15 km from the centre', () => {
    const ring = circleRing(34.5, 109.5)
    expect(ring).toHaveLength(73)
    expect(ring[0]).toEqual(ring[72])
    for (const point of ring) expect(km([109.5, 34.5], point)).toBeCloseTo(15, 3)
  })

  it('frames the circle with some room: [[west, north], [east, south]]', () => {
    const [[west, north], [east, south]] = circleBox(34.5, 109.5)
    expect(west).toBeLessThan(109.5 - 0.16)
    expect(east).toBeGreaterThan(109.5 + 0.16)
    expect(north).toBeGreaterThan(34.5 + 0.135)
    expect(south).toBeLessThan(34.5 - 0.135)
    expect(km([west, 34.5], [east, 34.5])).toBeGreaterThan(40)
  })

  it('boxes a single point at least the given size', () => {
    expect(boxAround([])).toBeNull()
    const [[west, north], [east, south]] = boxAround([[110, 30]], 0.2, 0.6)!
    expect(east - west).toBeCloseTo(0.6)
    expect(north - south).toBeCloseTo(0.6)
  })

  it('asks the directory with near=<lat>,<lon> and shows distances in Chinese', () => {
    expect(nearParameter(34.499999, 109.5)).toBe('34.50000,109.50000')
    expect(formatDistance(0.84)).toBe('840 米')
    expect(formatDistance(3.24)).toBe('3.2 公里')
    expect(formatDistance(12.6)).toBe('13 公里')
  })
})
