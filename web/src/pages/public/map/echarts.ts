// ECharts for the science map, imported piece by piece (echarts/core) so that only what the map
// draws is bundled, and only into the map chart's lazy chunk: the outlines (geo + map), bubbles and
// points (scatter), the 30-minute circle (custom), tooltips as rich text (the site's CSP forbids
// the inline styles of HTML tooltips) and the colour scale.
import { CustomChart, MapChart, ScatterChart } from 'echarts/charts'
import { GeoComponent, TooltipComponent, VisualMapComponent } from 'echarts/components'
import * as echarts from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'
import { loadProvinces } from './geo'

echarts.use([MapChart, ScatterChart, CustomChart, GeoComponent, TooltipComponent, VisualMapComponent, CanvasRenderer])

export { echarts }

type GeoJSONInput = Parameters<typeof echarts.registerMap>[1]
let registered: Promise<void> | null = null

/**
 * The province outlines registered once as the map "china" — the name on which ECharts adds the
 * 南海诸岛 inset (its fix/nanhai; never rename it) — and each province as "province-<code>".
 */
export function registerMaps(): Promise<void> {
  registered ??= loadProvinces().then((collection) => {
    echarts.registerMap('china', collection as unknown as GeoJSONInput)
    for (const feature of collection.features) {
      const one = { type: 'FeatureCollection', features: [feature] }
      echarts.registerMap(`province-${feature.properties.code}`, one as unknown as GeoJSONInput)
    }
  }).catch((error: unknown) => {
    registered = null
    throw error
  })
  return registered
}
