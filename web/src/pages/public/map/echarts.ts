// ECharts for the science map, imported piece by piece (echarts/core) so that only what the map
// draws is bundled, and only into the map page's lazy chunk: the outlines (geo + map), bubbles and
// points (scatter), the 30-minute circle (custom), tooltips as rich text (the site's CSP forbids
// the inline styles of HTML tooltips) and the colour scale.
import { CustomChart, MapChart, ScatterChart } from 'echarts/charts'
import { GeoComponent, TooltipComponent, VisualMapComponent } from 'echarts/components'
import * as echarts from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'

echarts.use([MapChart, ScatterChart, CustomChart, GeoComponent, TooltipComponent, VisualMapComponent, CanvasRenderer])

export { echarts }

export interface ProvinceFeature {
  type: 'Feature'
  properties: { name: string; code: string }
  geometry: { type: 'MultiPolygon'; coordinates: number[][][][] }
}
export interface Provinces { type: 'FeatureCollection'; features: ProvinceFeature[] }

type GeoJSONInput = Parameters<typeof echarts.registerMap>[1]

let provinces: Promise<Provinces> | null = null
const centres = new Map<string, Promise<Record<string, [string, number, number]>>>()

async function json<T>(path: string): Promise<T> {
  const response = await fetch(`${import.meta.env.BASE_URL}${path}`)
  if (!response.ok) throw new Error(`${path}: ${response.status}`)
  return (await response.json()) as T
}

/**
 * The province outlines (static asset web/public/geo/, see its README), registered once as the map
 * "china" — the name on which ECharts adds the 南海诸岛 inset (its fix/nanhai) — and each province
 * as "province-<code>" for the drill-down.
 */
export function loadProvinces(): Promise<Provinces> {
  provinces ??= json<Provinces>('geo/china-provinces.json').then((collection) => {
    echarts.registerMap('china', collection as unknown as GeoJSONInput)
    for (const feature of collection.features) {
      const one = { type: 'FeatureCollection', features: [feature] }
      echarts.registerMap(`province-${feature.properties.code}`, one as unknown as GeoJSONInput)
    }
    return collection
  }).catch((error: unknown) => {
    provinces = null
    throw error
  })
  return provinces
}

/** Each city's and county's name and centre in one province: code → [name, longitude, latitude]. */
export function loadCentres(province: string): Promise<Record<string, [string, number, number]>> {
  let pending = centres.get(province)
  if (!pending) {
    pending = json<Record<string, [string, number, number]>>(`geo/centres/${province}.json`).catch((error: unknown) => {
      centres.delete(province)
      throw error
    })
    centres.set(province, pending)
  }
  return pending
}
