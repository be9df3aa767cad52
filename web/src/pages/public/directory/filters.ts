// The public directory's search filters and how they live in the page's URL query (so a search
// can be shared, bookmarked and survives the back button), and what the directory API is sent.
// The query keys are the API's own parameter names.
import type { LocationQuery, LocationQueryValue } from 'vue-router'
import type { operations } from '@/api/generated/registration'

export type Format = 'offline' | 'online' | 'both'
/** China's today, or this weekend (Saturday and Sunday), as the directory reckons them */
export type When = 'today' | 'weekend'

export interface Filters {
  q: string
  /** GB/T 2260 code of a province (2 digits), city (4) or county (6); '' for the whole country */
  region: string
  category: string
  /** a flagship programme (品牌活动, e.g. 千馆展览探未来) */
  programme: string
  theme: string
  target_group: string
  /** China calendar days, YYYY-MM-DD */
  date_from: string
  date_to: string
  /** instead of the dates: today or this weekend (never both ways at once) */
  when: When | ''
  format: Format | ''
  /** 'true': only the campaign's key activities (重点活动) */
  key_activity: '' | 'true'
  campaign: string
}

export const EMPTY_FILTERS: Readonly<Filters> = Object.freeze({
  q: '',
  region: '',
  category: '',
  programme: '',
  theme: '',
  target_group: '',
  date_from: '',
  date_to: '',
  when: '',
  format: '',
  key_activity: '',
  campaign: '',
})

const KEYS = Object.keys(EMPTY_FILTERS) as (keyof Filters)[]
const REGION = /^\d{2}(\d{2}(\d{2})?)?$/
const DAY = /^\d{4}-\d{2}-\d{2}$/
const FORMATS: readonly string[] = ['offline', 'online', 'both']
const WHENS: readonly string[] = ['today', 'weekend']
const MAX_TEXT = 100
const MAX_NAME = 64

function first(value: LocationQueryValue | LocationQueryValue[] | undefined): string {
  const one = Array.isArray(value) ? value[0] : value
  return typeof one === 'string' ? one.trim() : ''
}

function validDay(text: string): string {
  if (!DAY.test(text)) return ''
  const day = new Date(`${text}T00:00:00Z`)
  return !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === text ? text : ''
}

/** The filters a URL query names; anything malformed is left out (a hand-edited link still works). */
export function filtersFromQuery(query: LocationQuery): Filters {
  const text = (key: keyof Filters, max: number) => first(query[key]).slice(0, max)
  const region = first(query.region)
  const format = first(query.format)
  let dateFrom = validDay(first(query.date_from))
  let dateTo = validDay(first(query.date_to))
  if (dateFrom && dateTo && dateTo < dateFrom) [dateFrom, dateTo] = [dateTo, dateFrom]
  const when = first(query.when)
  return {
    q: text('q', MAX_TEXT),
    region: REGION.test(region) ? region : '',
    category: text('category', MAX_NAME),
    programme: text('programme', MAX_NAME),
    theme: text('theme', MAX_NAME),
    target_group: text('target_group', MAX_NAME),
    // today / this weekend and dates are two ways of saying when; dates given by hand win
    date_from: dateFrom,
    date_to: dateTo,
    when: WHENS.includes(when) && !dateFrom && !dateTo ? (when as When) : '',
    format: FORMATS.includes(format) ? (format as Format) : '',
    key_activity: first(query.key_activity) === 'true' ? 'true' : '',
    campaign: text('campaign', MAX_NAME),
  }
}

/** The URL query for the filters: only those set, in a fixed order. */
export function queryFromFilters(filters: Filters): Record<string, string> {
  const query: Record<string, string> = {}
  for (const key of KEYS) {
    const value = filters[key].trim()
    if (value) query[key] = value
  }
  return query
}

/** True when no filter is set. */
export function isEmpty(filters: Filters): boolean {
  return KEYS.every((key) => !filters[key].trim())
}

/** How many filters besides the text are set (the "筛选 (3)" badge). */
export function countSet(filters: Filters): number {
  return KEYS.filter((key) => key !== 'q' && filters[key].trim()).length
}

/** The directory search's query parameters, as the API's types name them. */
export type SearchQuery = NonNullable<operations['search_activities_api_v1_directory_activities_get']['parameters']['query']>

/** The directory API's query for the filters, one page of ``limit`` after ``cursor``. A one-character
 * text is left out: the directory matches two or more characters. */
export function searchQuery(filters: Filters, cursor: string | null = null, limit = 20): SearchQuery {
  const { key_activity: key, format, when, ...rest } = queryFromFilters(filters)
  const query: SearchQuery = { ...rest, limit }
  if (format) query.format = format as Format
  if (when) query.when = when as When
  if (key === 'true') query.key_activity = true
  if (query.q && [...query.q].length < 2 && !/[a-z0-9]/i.test(query.q)) delete query.q
  if (cursor) query.cursor = cursor
  return query
}

/** The codes of a region and its parents, province first: 610502 -> 61, 6105, 610502. A
 * municipality's district (110105) has no city level in the data, so its picker finds no 1101 and
 * shows the district under 北京市 directly (see RegionPicker). */
export function regionChain(code: string): string[] {
  if (!REGION.test(code)) return []
  return [2, 4, 6].filter((length) => length <= code.length).map((length) => code.slice(0, length))
}
