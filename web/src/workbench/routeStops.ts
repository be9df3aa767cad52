// The stops of a science route being edited in the workbench: moved, added and removed in order.
// The service checks the rules (2 to 30 stops, none twice, a venue in China); this only keeps the list.

export interface EditedStop {
  activity_id: string | null
  name: string | null
  latitude: number | null
  longitude: number | null
  /** what the list shows: the activity's name or the venue's */
  label: string
}

/** ``stops`` with the one at ``index`` moved ``by`` places (-1 up, +1 down); unchanged at either end. */
export function moved<T>(stops: T[], index: number, by: -1 | 1): T[] {
  const to = index + by
  if (index < 0 || index >= stops.length || to < 0 || to >= stops.length) return stops
  const next = [...stops]
  ;[next[index], next[to]] = [next[to]!, next[index]!]
  return next
}

/** The request body's stops: an activity names only its id, a venue its name and coordinates. */
export function stopsBody(stops: EditedStop[]): { activity_id?: string; name?: string; latitude?: number; longitude?: number }[] {
  return stops.map((s) =>
    s.activity_id
      ? { activity_id: s.activity_id }
      : { name: s.name ?? '', ...(s.latitude != null ? { latitude: s.latitude } : {}), ...(s.longitude != null ? { longitude: s.longitude } : {}) },
  )
}
