// How dates read on the site: 2024年9月15日, and ranges within a year as 9月15日至21日.

function parts(isoDate: string): [number, number, number] {
  const [year, month, day] = isoDate.slice(0, 10).split('-').map(Number)
  return [year ?? 0, month ?? 0, day ?? 0]
}

/** "2024-09-15" -> "2024年9月15日"; withYear=false -> "9月15日". */
export function formatDate(isoDate: string, withYear = true): string {
  const [year, month, day] = parts(isoDate)
  return `${withYear ? `${year}年` : ''}${month}月${day}日`
}

/** "2024-09-15".."2024-09-21" -> "9月15日至21日"; across months "9月28日至10月4日". */
export function formatDateRange(start: string, end: string, withYear = false): string {
  const [startYear, startMonth] = parts(start)
  const [endYear, endMonth, endDay] = parts(end)
  const head = formatDate(start, withYear)
  if (startYear !== endYear) return `${head}至${formatDate(end, true)}`
  if (startMonth !== endMonth) return `${head}至${formatDate(end, false)}`
  return `${head}至${endDay}日`
}
