// How the public pages write an activity's time, place and way of taking part. Times are shown in
// China time (UTC+8, no daylight saving) whatever the visitor's device is set to.
import type { RegistrationSchemas } from '@/api/client'

type Activity = RegistrationSchemas['DirectoryActivityOut']

const CHINA_OFFSET_MS = 8 * 3600 * 1000

interface ChinaTime {
  year: number
  month: number
  day: number
  time: string
  dayKey: string
}

function china(iso: string): ChinaTime {
  const shifted = new Date(new Date(iso).getTime() + CHINA_OFFSET_MS)
  const pad = (n: number) => String(n).padStart(2, '0')
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    time: `${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())}`,
    dayKey: shifted.toISOString().slice(0, 10),
  }
}

/** "2024年9月16日 09:00–11:00"; over several days "2024年9月16日 09:00 至 9月18日 17:00". */
export function formatTimeRange(startsAt: string, endsAt: string, now: Date = new Date()): string {
  const start = china(startsAt)
  const end = china(endsAt)
  const thisYear = china(now.toISOString()).year
  const year = start.year !== thisYear || end.year !== start.year ? `${start.year}年` : ''
  const head = `${year}${start.month}月${start.day}日 ${start.time}`
  if (start.dayKey === end.dayKey) return `${head}–${end.time}`
  const endYear = end.year !== start.year ? `${end.year}年` : ''
  return `${head} 至 ${endYear}${end.month}月${end.day}日 ${end.time}`
}

/** The China calendar day (YYYY-MM-DD) of a moment. */
export function chinaDay(moment: Date = new Date()): string {
  return china(moment.toISOString()).dayKey
}

/** 线上 / 线下 / 线上线下 */
export function formatLabel(format: string): string {
  return { online: '线上', offline: '线下', both: '线上线下' }[format] ?? format
}

/** True when the activity can be joined online (it has or will have a link). */
export function isOnline(activity: Pick<Activity, 'format'>): boolean {
  return activity.format === 'online' || activity.format === 'both'
}

export type Phase = 'upcoming' | 'today' | 'ongoing' | 'ended'

/** Where the activity stands now: check-in is open on its days (China time), rating from its start. */
export function phaseOf(activity: Pick<Activity, 'starts_at' | 'ends_at'>, now: Date = new Date()): {
  phase: Phase
  started: boolean
  checkInOpen: boolean
} {
  const started = now.getTime() >= new Date(activity.starts_at).getTime()
  const today = chinaDay(now)
  const firstDay = china(activity.starts_at).dayKey
  const lastDay = china(activity.ends_at).dayKey
  const checkInOpen = today >= firstDay && today <= lastDay
  const ended = now.getTime() >= new Date(activity.ends_at).getTime()
  const phase: Phase = ended ? 'ended' : started ? 'ongoing' : checkInOpen ? 'today' : 'upcoming'
  return { phase, started, checkInOpen }
}

/** "4.6 分（12 人评价）", or "暂无评价". */
export function formatRating(activity: Pick<Activity, 'rating_average' | 'rating_count'>): string {
  if (!activity.rating_count || activity.rating_average == null) return '暂无评价'
  return `${activity.rating_average.toFixed(1)} 分（${activity.rating_count} 人评价）`
}
