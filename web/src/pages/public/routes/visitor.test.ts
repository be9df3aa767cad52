import { describe, expect, it } from 'vitest'
import { sketch, visitorId } from './visitor'

function memory(): Pick<Storage, 'getItem' | 'setItem'> {
  const items = new Map<string, string>()
  return { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v) }
}

describe('visitorId', () => {
  it('makes one id and keeps it', () => {
    const storage = memory()
    const id = visitorId(storage)
    expect(id).toMatch(/^[0-9a-f]{32}$/)
    expect(visitorId(storage)).toBe(id)
  })
})

describe('sketch', () => {
  it('keeps the order, puts north up and leaves out stops without a place', () => {
    const points = sketch(
      [
        { latitude: 34.5, longitude: 109.5 },
        { latitude: null, longitude: null },
        { latitude: 34.6, longitude: 109.6 },
      ],
      300,
      200,
    )
    expect(points[1]).toBeNull()
    expect(points[0]!.y).toBeGreaterThan(points[2]!.y)
    expect(points[0]!.x).toBeLessThan(points[2]!.x)
    for (const p of [points[0]!, points[2]!]) {
      expect(p.x).toBeGreaterThanOrEqual(0)
      expect(p.x).toBeLessThanOrEqual(300)
      expect(p.y).toBeGreaterThanOrEqual(0)
      expect(p.y).toBeLessThanOrEqual(200)
    }
  })
})
