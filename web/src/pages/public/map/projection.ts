// The whole-country map drawn as plain SVG (CountryMap.vue), without ECharts: the projection ECharts'
// geo uses for the map "china" (longitude and latitude as x and −y, a degree of longitude drawn 0.75
// as wide as one of latitude — its default aspectScale, for which its 南海诸岛 inset is made), fitted
// into a box, the outlines as SVG path data, and the colour scale of the counts (its visualMap's).

export type Ring = number[][] // [longitude, latitude][]
export type MultiPolygon = Ring[][] // polygons, each its outer ring then its holes

/** A degree of longitude against one of latitude, as ECharts draws China (geo.aspectScale). */
export const ASPECT_SCALE = 0.75

export interface Fit {
  width: number
  height: number
  /** [longitude, latitude] → [x, y] in the box, north up. */
  project: (longitude: number, latitude: number) => [number, number]
}

/** The projection that fits every given shape into a box `width` wide (the height follows) with `margin` round it. */
export function fitProjection(shapes: MultiPolygon[], width: number, margin = 0): Fit {
  let west = Infinity
  let east = -Infinity
  let south = Infinity
  let north = -Infinity
  for (const shape of shapes) {
    for (const polygon of shape) {
      for (const ring of polygon) {
        for (const [longitude = 0, latitude = 0] of ring) {
          if (longitude < west) west = longitude
          if (longitude > east) east = longitude
          if (latitude < south) south = latitude
          if (latitude > north) north = latitude
        }
      }
    }
  }
  if (!Number.isFinite(west)) return { width, height: width, project: () => [width / 2, width / 2] }
  const spanX = Math.max((east - west) * ASPECT_SCALE, 1e-9)
  const spanY = Math.max(north - south, 1e-9)
  const scale = (width - 2 * margin) / spanX
  const height = spanY * scale + 2 * margin
  return {
    width,
    height,
    project: (longitude, latitude) => [
      margin + (longitude - west) * ASPECT_SCALE * scale,
      margin + (north - latitude) * scale,
    ],
  }
}

const round = (n: number): number => Math.round(n * 10) / 10

/** SVG path data of a (multi)polygon: each ring a closed sub-path, to a tenth of a unit. */
export function pathData(shape: MultiPolygon, project: Fit['project']): string {
  const parts: string[] = []
  for (const polygon of shape) {
    for (const ring of polygon) {
      let previous = ''
      ring.forEach(([longitude = 0, latitude = 0], index) => {
        const [x, y] = project(longitude, latitude)
        const point = `${round(x)} ${round(y)}`
        if (index > 0 && point === previous) return // the same point at this scale
        parts.push(`${index === 0 ? 'M' : 'L'}${point}`)
        previous = point
      })
      parts.push('Z')
    }
  }
  return parts.join('')
}

/** The counts' colours, light to dark, as the ECharts map's visualMap had them. */
export const SCALE_COLOURS = ['#f0f5fb', '#8fb8e3', '#0b5cad'] as const

function channels(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16)
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255]
}

/** The colour of `value` on a continuous scale from 0 (lightest) to `max` (darkest), as #rrggbb. */
export function scaleColour(value: number, max: number, colours: readonly string[] = SCALE_COLOURS): string {
  const first = colours[0] ?? '#ffffff'
  if (colours.length < 2 || !(max > 0) || !(value > 0)) return first
  const t = Math.min(1, value / max) * (colours.length - 1)
  const index = Math.min(Math.floor(t), colours.length - 2)
  const from = channels(colours[index] ?? first)
  const to = channels(colours[index + 1] ?? first)
  const f = t - index
  return `#${from.map((c, i) => Math.round(c + ((to[i] ?? c) - c) * f).toString(16).padStart(2, '0')).join('')}`
}
