// The science map's tile provider, as the operator set it (KEPURI_MAP_TILES and friends, see
// deploy/caddy/Caddyfile): the proxy answers GET /site-settings.json with the settings it accepted,
// and the page reads them here. No provider, an unknown one, 天地图 without its key, a template that
// is not http(s) with {z} {x} {y}, or no answer at all: null, and the page draws its offline map.
// No Leaflet here: this is read before the map's chunk is loaded.

export type Provider = 'tianditu' | 'amap'

/** One raster layer as Leaflet's L.tileLayer takes it: a URL template and its options. */
export interface TileLayerSpec {
  url: string
  subdomains: string[]
  /** values of the template's own placeholders ({layer}, {tk}) */
  values: Record<string, string>
  maxZoom: number
}

export interface TileSetting {
  provider: Provider
  layers: TileLayerSpec[]
  /** the line the provider's terms require under the map: its name and the 审图号 */
  attribution: string
}

const PROVIDER_NAMES: Record<Provider, string> = { tianditu: '天地图', amap: '高德地图' }

// 天地图's WMTS in Web Mercator (TILEMATRIXSET=w): vec_w the streets, cva_w their Chinese labels
const TIANDITU =
  'https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}' +
  '&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={tk}'
// 高德's street map (style 8) with Chinese labels, on webrd01-04
const AMAP = 'https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}'

const KEY = /^[A-Za-z0-9]{1,64}$/
const TEMPLATE = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/[A-Za-z0-9._~/{}?&=%-]*$/
const APPROVAL = /^[\p{Script=Han}A-Za-z0-9()（）. -]{1,60}$/u

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : ''
}

/** Whether `url` is a template the map may fetch tiles from: http(s), with {z}, {x} and {y}. */
export function isTileTemplate(url: string): boolean {
  return TEMPLATE.test(url) && ['{z}', '{x}', '{y}'].every((p) => url.includes(p))
}

/** The tile setting in a /site-settings.json answer (any JSON value), or null: the offline map. */
export function tileSetting(answer: unknown): TileSetting | null {
  const map = (answer as { map?: unknown } | null)?.map as Record<string, unknown> | undefined
  if (!map || typeof map !== 'object') return null
  const provider = text(map.tiles)
  if (provider !== 'tianditu' && provider !== 'amap') return null
  const key = text(map.key)
  const override = text(map.url)
  if (override && !isTileTemplate(override)) return null
  const approval = text(map.approval)
  const attribution = `© ${PROVIDER_NAMES[provider]}${APPROVAL.test(approval) ? ` 审图号：${approval}` : ''}`
  if (provider === 'tianditu') {
    if (!KEY.test(key)) return null // 天地图 refuses every tile without its key
    const layer = (name: string): TileLayerSpec => ({
      url: override || TIANDITU, subdomains: ['0', '1', '2', '3', '4', '5', '6', '7'], values: { layer: name, tk: key }, maxZoom: 18,
    })
    return { provider, layers: [layer('vec'), layer('cva')], attribution }
  }
  return { provider, layers: [{ url: override || AMAP, subdomains: ['1', '2', '3', '4'], values: {}, maxZoom: 18 }], attribution }
}

/** A template filled in as Leaflet fills it (for tests and the docs): {s} is the first subdomain. */
export function tileUrl(layer: TileLayerSpec, z: number, x: number, y: number): string {
  const values: Record<string, string> = { ...layer.values, s: layer.subdomains[0] ?? '', z: String(z), x: String(x), y: String(y) }
  return layer.url.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole)
}

let asked: Promise<TileSetting | null> | null = null

/** The tile setting the proxy serves, fetched once per visit; null on any failure (offline map). */
export function loadTileSetting(): Promise<TileSetting | null> {
  asked ??= fetch(`${import.meta.env.BASE_URL}site-settings.json`, { cache: 'no-store' })
    .then((response) => (response.ok ? response.json() : null))
    .then(tileSetting)
    .catch(() => null)
  return asked
}
