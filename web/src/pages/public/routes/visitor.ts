// The visitor of science routes (联动打卡): no sign-in, so the browser keeps a random id and sends it
// with each route check-in; the service keeps only a keyed hash of it per route. Clearing the site's
// data starts a new visitor.
const KEY = 'kepuri.visitor'

function randomId(): string {
  const bytes = new Uint8Array(16)
  crypto.getRandomValues(bytes)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

/** This browser's visitor id (made on first use; 32 hex digits). */
export function visitorId(storage: Pick<Storage, 'getItem' | 'setItem'> = localStorage): string {
  let id: string | null = null
  try {
    id = storage.getItem(KEY)
  } catch {
    // storage refused (private mode): a visitor for this page only
  }
  if (id && /^[A-Za-z0-9_-]{16,64}$/.test(id)) return id
  id = randomId()
  try {
    storage.setItem(KEY, id)
  } catch {
    // as above
  }
  return id
}

export interface Point {
  latitude: number | null
  longitude: number | null
}

/** The stops placed in a width × height box (north up, aspect kept, a margin round them), for the
 * route's sketch; stops without coordinates are left out (null). */
export function sketch<T extends Point>(stops: T[], width: number, height: number, margin = 24): ({ x: number; y: number } | null)[] {
  const placed = stops.filter((s) => s.latitude != null && s.longitude != null)
  if (placed.length === 0) return stops.map(() => null)
  const lats = placed.map((s) => s.latitude as number)
  const lons = placed.map((s) => s.longitude as number)
  const [south, north, west, east] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)]
  // a degree of longitude is shorter than one of latitude away from the equator
  const squeeze = Math.cos((((south + north) / 2) * Math.PI) / 180)
  const spanX = Math.max((east - west) * squeeze, 1e-6)
  const spanY = Math.max(north - south, 1e-6)
  const scale = Math.min((width - 2 * margin) / spanX, (height - 2 * margin) / spanY)
  const offsetX = (width - spanX * scale) / 2
  const offsetY = (height - spanY * scale) / 2
  return stops.map((s) =>
    s.latitude == null || s.longitude == null
      ? null
      : { x: offsetX + (s.longitude - west) * squeeze * scale, y: offsetY + (north - s.latitude) * scale },
  )
}
