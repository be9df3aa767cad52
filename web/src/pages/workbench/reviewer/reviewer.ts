// The reviewer pages' logic, free of Vue: names of levels, boxes and statuses, the quotas a body has
// left, the figures shown beside an item, a phone's shape, an export's file name.
import type { RegistrationSchemas, ReviewSchemas } from '@/api/client'

export type Level = 'county' | 'city' | 'province' | 'national'
export type Kind = 'activity' | 'unit'
export type Box = 'received' | 'sent' | 'endorsed' | 'declined'

export const LEVEL_NAMES: Record<string, string> = { county: '县级', city: '市级', province: '省级', national: '全国' }
export const BOX_NAMES: Record<Box, string> = { received: '收到的推荐', sent: '我推荐的', endorsed: '已同意', declined: '未同意' }
export const KIND_NAMES: Record<Kind, string> = { activity: '优秀活动（附件3）', unit: '先进单位（附件2）' }
export const REVIEW_NAMES: Record<string, string> = { pending: '待审核', approved: '已通过', rejected: '已退回' }
export const STATUS_NAMES: Record<string, string> = { pending: '推荐中', selected: '已入选', declined: '未同意', withdrawn: '已撤回' }
export const STEP_NAMES: Record<string, string> = {
  recommended: '推荐',
  endorsed: '同意推荐',
  declined: '不予推荐',
  withdrawn: '撤回',
  commended: '表扬',
}

/** "county:610502" -> "县级 610502"; "national:society:中国营养学会" -> "中国营养学会". */
export function bodyName(body: string | null | undefined): string {
  if (!body) return ''
  const [level, ...rest] = body.split(':')
  const where = rest.join(':')
  if (where.startsWith('society:')) return where.slice('society:'.length)
  if (level === 'national') return '全国'
  return `${LEVEL_NAMES[level ?? ''] ?? level} ${where}`.trim()
}

export interface QuotaLine {
  kind: Kind
  /** null: no limit */
  quota: number | null
  used: number
  /** null: no limit */
  left: number | null
}

type Chain = NonNullable<NonNullable<RegistrationSchemas['CampaignOut']['settings']>['recommendation']>

/** The quota of ``kind`` a body at ``level`` (or a society, when ``society``) has, or null (no limit). */
export function quotaOf(chain: Chain | null | undefined, level: string | undefined, kind: Kind, society = false): number | null {
  if (!chain) return null
  if (society) return (kind === 'activity' ? chain.society_quota : chain.society_unit_quota) ?? null
  const quotas = (kind === 'activity' ? chain.quotas : chain.unit_quotas) as Record<string, number | undefined> | undefined
  return level ? (quotas?.[level] ?? null) : null
}

/**
 * The places used: the body's own recommendations still standing (not withdrawn: a withdrawal frees
 * its place) and its endorsements, both of ``kind``.
 */
export function usedPlaces(sent: ReviewSchemas['ListedOut'][], endorsed: ReviewSchemas['ListedOut'][], kind: Kind): number {
  const mine = sent.filter((item) => item.kind === kind && item.status !== 'withdrawn').length
  return mine + endorsed.filter((item) => item.kind === kind).length
}

export function quotaLine(quota: number | null, used: number, kind: Kind): QuotaLine {
  return { kind, quota, used, left: quota === null ? null : Math.max(0, quota - used) }
}

/** "剩余 3 / 共 10 个" or "不限名额". */
export function quotaText(line: QuotaLine): string {
  if (line.quota === null) return `不限名额（已用 ${line.used} 个）`
  return `剩余 ${line.left} 个 / 共 ${line.quota} 个`
}

/** The indicator figures beside an item, as label/value pairs. */
export function figureItems(figures: ReviewSchemas['FiguresOut'] | null | undefined): { label: string; value: string }[] {
  if (!figures) return []
  const rate = figures.completion_rate
  return [
    { label: '活动数', value: String(figures.activities) },
    { label: '参与人次', value: String(figures.participation) },
    { label: '科技工作者', value: String(figures.science_workers) },
    { label: '评价', value: figures.average_rating === null ? '暂无' : `${figures.average_rating.toFixed(1)} 分（${figures.ratings} 人）` },
    { label: '信息完善率', value: rate === null ? '—' : `${Math.round(rate * 100)}%` },
  ]
}

/** A mainland mobile (11 digits from 1) or a landline with its area code (0xx-xxxxxxx). */
export function isPhone(value: string): boolean {
  const digits = value.replace(/[\s-]/g, '')
  return /^1[3-9]\d{9}$/.test(digits) || /^0\d{9,11}$/.test(digits)
}

/** The file name in a Content-Disposition header (RFC 5987 filename* first), else ``fallback``. */
export function fileNameOf(disposition: string | null, fallback: string): string {
  if (!disposition) return fallback
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition)
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim())
    } catch {
      /* fall through */
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(disposition)
  return plain?.[1]?.trim() || fallback
}

/** The campaign to open first: the newest one with a recommendation chain, else the newest. */
export function defaultCampaign(campaigns: RegistrationSchemas['CampaignOut'][]): string | null {
  const newest = [...campaigns].sort((a, b) => b.year - a.year || a.id.localeCompare(b.id))
  return (newest.find((c) => c.settings?.recommendation) ?? newest[0])?.id ?? null
}

/** Whether an approved activity may be recommended (the Weinan rule as the queue shows it). */
export function recommendable(item: ReviewSchemas['ReviewedActivityOut']): boolean {
  return item.status === 'registered' && item.review === 'approved' && item.info_completed
}

/** The day (China time) an instant falls on, as YYYY-MM-DD: 2026-12-05T18:00Z is 2026-12-06 in Beijing. */
export function chinaDay(instant: string): string {
  const shifted = new Date(Date.parse(instant) + 8 * 3600 * 1000)
  return Number.isNaN(shifted.getTime()) ? instant.slice(0, 10) : shifted.toISOString().slice(0, 10)
}

const CHINA_TIME = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false,
})

function chinaParts(iso: string): { day: string; time: string } {
  const parts = Object.fromEntries(CHINA_TIME.formatToParts(new Date(iso)).map((p) => [p.type, p.value]))
  return { day: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour === '24' ? '00' : parts.hour}:${parts.minute}` }
}

/** An activity's time in China: "2026-09-16 09:30 至 12:30" (the day again only when it ends on another). */
export function chinaTimeRange(starts: string | null | undefined, ends: string | null | undefined): string {
  if (!starts) return '—'
  const from = chinaParts(starts)
  if (!ends) return `${from.day} ${from.time}`
  const to = chinaParts(ends)
  return `${from.day} ${from.time} 至 ${to.day === from.day ? '' : `${to.day} `}${to.time}`
}

export const FORMAT_NAMES: Record<string, string> = { offline: '线下', online: '线上', both: '线上线下' }
