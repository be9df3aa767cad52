// The science map's logic, kept apart from the chart so Vitest can check it: where the map is
// (全国 → 省 → 市), what each level counts by, the counts of a statistics answer by region code,
// the 30-minute circle (2024 notice) as a polygon, and how big a region's bubble is.

/** The 2024 notice's 30-minute science circle, as the directory's `preset=30min` takes it (15 km). */
export const THIRTY_MINUTE_RADIUS_KM = 15
const EARTH_RADIUS_KM = 6371.0088

/** Municipalities: their one "city" (市辖区) is skipped, the province shows its districts at once. */
const MUNICIPALITIES = new Set(['11', '12', '31', '50'])

export type Level =
  | { kind: 'country' }
  | { kind: 'province'; code: string; name: string }
  | { kind: 'city'; code: string; name: string; province: { code: string; name: string } }

export const COUNTRY: Level = { kind: 'country' }

/** The region code a level filters by (none for all China). */
export function regionOf(level: Level): string | null {
  return level.kind === 'country' ? null : level.code
}

/** The statistics dimension a level's children are counted by. */
export function childDimension(level: Level): 'province' | 'city' | 'county' {
  if (level.kind === 'country') return 'province'
  if (level.kind === 'province') return MUNICIPALITIES.has(level.code) ? 'county' : 'city'
  return 'county'
}

/** The level after choosing one of this level's children; the same level when it has none below. */
export function drillDown(level: Level, code: string, name: string): Level {
  if (level.kind === 'country' && /^\d{2}$/.test(code)) return { kind: 'province', code, name }
  if (level.kind === 'province' && /^\d{4}$/.test(code) && code.startsWith(level.code)) {
    return { kind: 'city', code, name, province: { code: level.code, name: level.name } }
  }
  return level // a county is the bottom: its activities are listed, not drilled into
}

/** One level up (all China stays where it is). */
export function drillUp(level: Level): Level {
  if (level.kind === 'city') return { kind: 'province', ...level.province }
  return COUNTRY
}

/** The way back up, outermost first: 全国 › 陕西省 › 渭南市. */
export function trail(level: Level): { label: string; level: Level }[] {
  const steps: { label: string; level: Level }[] = [{ label: '全国', level: COUNTRY }]
  if (level.kind === 'province') steps.push({ label: level.name, level })
  if (level.kind === 'city') {
    steps.push({ label: level.province.name, level: { kind: 'province', ...level.province } })
    steps.push({ label: level.name, level })
  }
  return steps
}

export interface RegionCount { code: string; name: string; activities: number }

/** A statistics breakdown's regional groups by code (groups without a code, or with none, left out). */
export function countsByCode(groups: { key: string | null; name?: string | null; activities: number }[]): Map<string, RegionCount> {
  const counts = new Map<string, RegionCount>()
  for (const group of groups) {
    if (!group.key || group.activities <= 0) continue
    const before = counts.get(group.key)
    counts.set(group.key, {
      code: group.key,
      name: group.name || before?.name || group.key,
      activities: (before?.activities ?? 0) + group.activities,
    })
  }
  return counts
}

/** Counts on the province outlines: each outline's name (as the map data names it) → its activities. */
export function provinceSeriesData(
  counts: Map<string, RegionCount>,
  provinces: { code: string; name: string }[],
): { name: string; value: number; code: string }[] {
  return provinces.map((p) => ({ name: p.name, code: p.code, value: counts.get(p.code)?.activities ?? 0 }))
}

/** An activity with a place: `exact` when the organizer gave coordinates, else its division's centre. */
export interface MapPoint { id: string; name: string; longitude: number; latitude: number; exact: boolean }

export type Centres = Record<string, [string, number, number]> // code → [name, longitude, latitude]

export interface Bubble { code: string; name: string; value: [number, number, number] }

/** The children of a level that have activities, as bubbles at their centres (those without a known centre left out). */
export function bubbles(counts: Map<string, RegionCount>, centres: Centres): Bubble[] {
  const found: Bubble[] = []
  for (const count of counts.values()) {
    const centre = centres[count.code]
    if (!centre) continue
    found.push({ code: count.code, name: count.name || centre[0], value: [centre[1], centre[2], count.activities] })
  }
  return found.sort((a, b) => b.value[2] - a.value[2])
}

/** A bubble's diameter in pixels: by the square root of its count (area follows the count), 10 to 44. */
export function bubbleSize(count: number, largest: number): number {
  if (count <= 0 || largest <= 0) return 0
  return Math.round(10 + 34 * Math.sqrt(Math.min(count, largest) / largest))
}

/** The point `distanceKm` from (latitude, longitude) on `bearing` degrees, on the sphere. */
export function destination(latitude: number, longitude: number, distanceKm: number, bearing: number): [number, number] {
  const rad = Math.PI / 180
  const phi1 = latitude * rad
  const lambda1 = longitude * rad
  const delta = distanceKm / EARTH_RADIUS_KM
  const theta = bearing * rad
  const phi2 = Math.asin(Math.sin(phi1) * Math.cos(delta) + Math.cos(phi1) * Math.sin(delta) * Math.cos(theta))
  const lambda2 = lambda1 + Math.atan2(Math.sin(theta) * Math.sin(delta) * Math.cos(phi1), Math.cos(delta) - Math.sin(phi1) * Math.sin(phi2))
  return [lambda2 / rad, phi2 / rad]
}

/** The circle of `radiusKm` round a point as a closed ring of [longitude, latitude], for the map to draw. */
export function circleRing(latitude: number, longitude: number, radiusKm = THIRTY_MINUTE_RADIUS_KM, steps = 72): [number, number][] {
  const ring: [number, number][] = []
  for (let i = 0; i < steps; i++) ring.push(destination(latitude, longitude, radiusKm, (360 * i) / steps))
  ring.push([...ring[0]!] as [number, number])
  return ring
}

/** A map view's box as ECharts' geo `boundingCoords` takes it: [[west, north], [east, south]]. */
export type Box = [[number, number], [number, number]]

/** The box round some [longitude, latitude] points, widened by `margin` of its size each side, at least `least` degrees across. */
export function boxAround(points: [number, number][], margin = 0.25, least = 0.2): Box | null {
  if (points.length === 0) return null
  const xs = points.map((p) => p[0])
  const ys = points.map((p) => p[1])
  let [west, east, south, north] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)]
  const dx = Math.max((east - west) * margin, (least - (east - west)) / 2, 0)
  const dy = Math.max((north - south) * margin, (least - (north - south)) / 2, 0)
  ;[west, east, south, north] = [west - dx, east + dx, south - dy, north + dy]
  return [[west, north], [east, south]]
}

/** The box round the circle, with a quarter of its size spare on each side. */
export function circleBox(latitude: number, longitude: number, radiusKm = THIRTY_MINUTE_RADIUS_KM): Box {
  return boxAround(circleRing(latitude, longitude, radiusKm, 36), 0.25) as Box
}

/** The directory's `near` parameter: "<latitude>,<longitude>" to 5 places (about a metre). */
export function nearParameter(latitude: number, longitude: number): string {
  return `${latitude.toFixed(5)},${longitude.toFixed(5)}`
}

/** A distance as the list shows it: 850 米, 3.2 公里, 12 公里. */
export function formatDistance(km: number): string {
  if (km < 1) return `${Math.max(10, Math.round((km * 1000) / 10) * 10)} 米`
  return km < 10 ? `${km.toFixed(1)} 公里` : `${Math.round(km)} 公里`
}
