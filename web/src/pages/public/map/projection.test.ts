import { describe, expect, it } from 'vitest'
import { ASPECT_SCALE, SCALE_COLOURS, fitProjection, pathData, scaleColour, type MultiPolygon } from './projection'

const square = (west: number, south: number, size: number): MultiPolygon => [[[
  [west, south], [west + size, south], [west + size, south + size], [west, south + size], [west, south],
]]]

describe('fitProjection', () => {
  it('fits every shape into the width, north up, a degree of longitude 0.75 of one of latitude', () => {
    const fit = fitProjection([square(100, 20, 10), square(120, 40, 10)], 300)
    // 30° of longitude × 0.75 across 300 units: 1° of latitude is 300 / 22.5 units
    expect(fit.width).toBe(300)
    expect(fit.height).toBeCloseTo((30 * 300) / (30 * ASPECT_SCALE), 1)
    expect(fit.project(100, 50)).toEqual([0, 0]) // north-west corner
    const [x, y] = fit.project(130, 20) // south-east corner
    expect(x).toBeCloseTo(300)
    expect(y).toBeCloseTo(fit.height)
    expect(fit.project(115, 35)[1]).toBeCloseTo(fit.height / 2) // north is up: a lower latitude is further down
  })

  it('keeps a margin round the shapes', () => {
    const fit = fitProjection([square(0, 0, 1)], 100, 10)
    expect(fit.project(0, 1)).toEqual([10, 10])
    const [x, y] = fit.project(1, 0)
    expect(x).toBeCloseTo(90)
    expect(y).toBeCloseTo(fit.height - 10)
  })

  it('survives nothing to fit', () => {
    const fit = fitProjection([], 100)
    expect(fit.project(1, 2)).toEqual([50, 50])
  })
})

describe('pathData', () => {
  it('draws each ring as a closed sub-path, to a tenth, dropping points that coincide at that scale', () => {
    const shape: MultiPolygon = [[[[0, 0], [1, 0], [1.001, 0], [1, 1], [0, 0]]], [[[2, 2], [3, 2], [2, 3], [2, 2]]]]
    const d = pathData(shape, (lon, lat) => [lon * 10, lat * 10])
    expect(d).toBe('M0 0L10 0L10 10L0 0ZM20 20L30 20L20 30L20 20Z')
  })
})

describe('scaleColour', () => {
  it('runs from the lightest at none to the darkest at the most, through the middle colour', () => {
    expect(scaleColour(0, 10)).toBe(SCALE_COLOURS[0])
    expect(scaleColour(10, 10)).toBe(SCALE_COLOURS[2])
    expect(scaleColour(5, 10)).toBe(SCALE_COLOURS[1])
    expect(scaleColour(20, 10)).toBe(SCALE_COLOURS[2]) // clamped
  })

  it('interpolates each channel', () => {
    expect(scaleColour(1, 2, ['#000000', '#ffffff'])).toBe('#808080')
    expect(scaleColour(1, 4, ['#000000', '#ff0000', '#ffffff'])).toBe('#800000')
  })

  it('gives the lightest colour when there is nothing to count', () => {
    expect(scaleColour(3, 0)).toBe(SCALE_COLOURS[0])
    expect(scaleColour(Number.NaN, 5)).toBe(SCALE_COLOURS[0])
  })
})
