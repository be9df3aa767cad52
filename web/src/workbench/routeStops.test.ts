import { describe, expect, it } from 'vitest'
import { moved, stopsBody, type EditedStop } from './routeStops'

const a: EditedStop = { activity_id: 'a1', name: null, latitude: null, longitude: null, label: '走进科技馆' }
const v: EditedStop = { activity_id: null, name: '渭南市科技馆', latitude: 34.5, longitude: 109.5, label: '渭南市科技馆' }

describe('moved', () => {
  it('swaps a stop with its neighbour and leaves the ends alone', () => {
    expect(moved([1, 2, 3], 2, -1)).toEqual([1, 3, 2])
    expect(moved([1, 2, 3], 0, 1)).toEqual([2, 1, 3])
    expect(moved([1, 2, 3], 0, -1)).toEqual([1, 2, 3])
    expect(moved([1, 2, 3], 2, 1)).toEqual([1, 2, 3])
  })
})

describe('stopsBody', () => {
  it('names an activity by id and a venue by name and place', () => {
    expect(stopsBody([a, v])).toEqual([{ activity_id: 'a1' }, { name: '渭南市科技馆', latitude: 34.5, longitude: 109.5 }])
  })
})
