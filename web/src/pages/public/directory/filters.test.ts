import { describe, expect, it } from 'vitest'
import { countSet, EMPTY_FILTERS, filtersFromQuery, isEmpty, queryFromFilters, regionChain, searchQuery } from './filters'

describe('filters <-> URL query', () => {
  it('reads every filter from the query and writes back the same query', () => {
    const query = {
      q: '人工智能',
      region: '6105',
      category: '重点活动',
      programme: '千馆展览探未来',
      theme: '人工智能',
      target_group: '青少年',
      date_from: '2024-09-15',
      date_to: '2024-09-21',
      format: 'online',
      key_activity: 'true',
      campaign: '2024-national',
    }
    const filters = filtersFromQuery(query)
    expect(filters).toEqual({ ...query, when: '' })
    expect(queryFromFilters(filters)).toEqual(query)
    const weekend = { q: '人工智能', when: 'weekend' }
    expect(queryFromFilters(filtersFromQuery(weekend))).toEqual(weekend)
  })

  it('leaves out empty filters and keeps a fixed key order', () => {
    const query = queryFromFilters({ ...EMPTY_FILTERS, format: 'offline', q: ' 科技馆 ' })
    expect(query).toEqual({ q: '科技馆', format: 'offline' })
    expect(Object.keys(query)).toEqual(['q', 'format'])
    expect(queryFromFilters({ ...EMPTY_FILTERS })).toEqual({})
  })

  it('drops malformed values from a hand-edited link', () => {
    const filters = filtersFromQuery({
      region: '6105021',
      date_from: '2024-02-30',
      date_to: 'tomorrow',
      format: 'hybrid',
      key_activity: 'yes',
      q: ['first', 'second'],
    })
    expect(filters).toEqual({ ...EMPTY_FILTERS, q: 'first' })
  })

  it('swaps a date range given backwards', () => {
    const filters = filtersFromQuery({ date_from: '2024-09-21', date_to: '2024-09-15' })
    expect([filters.date_from, filters.date_to]).toEqual(['2024-09-15', '2024-09-21'])
  })

  it('reads today / this weekend, and lets dates given by hand win over them', () => {
    expect(filtersFromQuery({ when: 'weekend' }).when).toBe('weekend')
    expect(filtersFromQuery({ when: 'tomorrow' }).when).toBe('')
    const both = filtersFromQuery({ when: 'today', date_from: '2024-09-15' })
    expect([both.when, both.date_from]).toEqual(['', '2024-09-15'])
  })

  it('caps text at the lengths the API takes', () => {
    expect(filtersFromQuery({ q: '科'.repeat(150) }).q).toHaveLength(100)
    expect(filtersFromQuery({ theme: 'x'.repeat(80) }).theme).toHaveLength(64)
  })

  it('counts the filters besides the text', () => {
    expect(isEmpty({ ...EMPTY_FILTERS })).toBe(true)
    const filters = { ...EMPTY_FILTERS, q: '科普', region: '61', format: 'both' as const }
    expect(isEmpty(filters)).toBe(false)
    expect(countSet(filters)).toBe(2)
  })
})

describe('searchQuery', () => {
  it('sends the set filters with the page size and the cursor', () => {
    expect(searchQuery({ ...EMPTY_FILTERS, region: '61', theme: '健康', key_activity: 'true' }, 'abc', 10)).toEqual({
      region: '61',
      theme: '健康',
      key_activity: true,
      limit: 10,
      cursor: 'abc',
    })
  })

  it('sends today / this weekend as the directory names them', () => {
    expect(searchQuery({ ...EMPTY_FILTERS, when: 'weekend' })).toEqual({ when: 'weekend', limit: 20 })
  })

  it('leaves out a one-character Chinese text, which the directory cannot match', () => {
    expect(searchQuery({ ...EMPTY_FILTERS, q: '科' })).toEqual({ limit: 20 })
    expect(searchQuery({ ...EMPTY_FILTERS, q: 'AI' })).toEqual({ q: 'AI', limit: 20 })
  })
})

describe('regionChain', () => {
  it('lists a region and its parents, province first', () => {
    expect(regionChain('610502')).toEqual(['61', '6105', '610502'])
    expect(regionChain('61')).toEqual(['61'])
    expect(regionChain('')).toEqual([])
    expect(regionChain('6105x')).toEqual([])
  })
})
