// The map's static geography (web/public/geo/, see its README), fetched at run time and kept for the
// visit: the province outlines, the 南海诸岛 inset and, per province, its cities' and counties' centres. No ECharts here,
// so the page's lists can load before the chart's chunk does.
import type { Centres } from './mapState'
import type { MultiPolygon } from './projection'

export interface ProvinceFeature {
  type: 'Feature'
  properties: { name: string; code: string }
  geometry: { type: 'MultiPolygon'; coordinates: number[][][][] }
}
export interface Provinces { type: 'FeatureCollection'; features: ProvinceFeature[] }

let provinces: Promise<Provinces> | null = null
let outlines: Promise<Provinces> | null = null
const centres = new Map<string, Promise<Centres>>()

async function json<T>(path: string): Promise<T> {
  const response = await fetch(`${import.meta.env.BASE_URL}${path}`)
  if (!response.ok) throw new Error(`${path}: ${response.status}`)
  return (await response.json()) as T
}

/** The province outlines (every province-level division, named and coded as GB/T 2260). */
export function loadProvinces(): Promise<Provinces> {
  provinces ??= json<Provinces>('geo/china-provinces.json').catch((error: unknown) => {
    provinces = null
    throw error
  })
  return provinces
}

let nanhai: Promise<MultiPolygon> | null = null

/** The 南海诸岛 inset as ECharts draws it on the map "china", for the SVG whole-country view. */
export function loadNanhai(): Promise<MultiPolygon> {
  nanhai ??= json<{ geometry: { coordinates: MultiPolygon } }>('geo/nanhai.json')
    .then((feature) => feature.geometry.coordinates)
    .catch((error: unknown) => {
      nanhai = null
      throw error
    })
  return nanhai
}

/** The same outlines simplified to under a pixel at the whole-country view's size (half the bytes), for its SVG. */
export function loadOutlines(): Promise<Provinces> {
  outlines ??= json<Provinces>('geo/china-provinces-outline.json').catch((error: unknown) => {
    outlines = null
    throw error
  })
  return outlines
}

/** Each city's and county's name and centre in one province: code → [name, longitude, latitude]. */
export function loadCentres(province: string): Promise<Centres> {
  let pending = centres.get(province)
  if (!pending) {
    pending = json<Centres>(`geo/centres/${province}.json`).catch((error: unknown) => {
      centres.delete(province)
      throw error
    })
    centres.set(province, pending)
  }
  return pending
}
