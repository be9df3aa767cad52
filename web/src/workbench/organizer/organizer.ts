// The organizer's pages' logic, free of components (tested in organizer.test.ts): the Chinese names
// of statuses and deadlines, the activity form's model and the API body made from it, the mapping of
// a refusal's field errors onto the form's items, and the science-worker list pasted from a sheet.
import type { RegistrationSchemas } from '@/api/client'
import type { ShownProblem } from '@/api/problems'

export type ActivityOut = RegistrationSchemas['ActivityOut']
export type ActivityDetailsIn = RegistrationSchemas['ActivityDetailsIn']
export type CampaignOut = RegistrationSchemas['CampaignOut']

export const STATUS_NAMES: Record<string, string> = { registered: '已登记', withdrawn: '已撤回', draft: '草稿' }
export const REVIEW_NAMES: Record<string, string> = { pending: '待审核', approved: '已通过', rejected: '未通过' }
export const REVIEW_TAGS: Record<string, 'info' | 'success' | 'danger' | 'warning'> = {
  pending: 'warning',
  approved: 'success',
  rejected: 'danger',
}
export const DEADLINE_NAMES: Record<string, string> = {
  registration_closes_on: '登记截止',
  info_completion_deadline: '信息完善截止',
  summary_deadline: '总结报送截止',
  recommendation_deadline: '推荐截止',
}
export const INFO_NAMES: Record<string, string> = {
  photo_urls: '活动照片',
  video_urls: '活动视频',
  news_urls: '新闻报道',
  actual_participants: '实际参与人数',
  summary: '活动总结',
}
export const FORMAT_NAMES: Record<string, string> = { offline: '线下', online: '线上', both: '线上线下结合' }
export const MESSAGE_STATES: Record<string, { text: string; tag: 'info' | 'success' | 'danger' | 'warning' | 'primary' }> = {
  queued: { text: '排队中', tag: 'info' },
  sending: { text: '发送中', tag: 'primary' },
  sent: { text: '已发送', tag: 'primary' },
  delivered: { text: '已送达', tag: 'success' },
  failed: { text: '发送失败', tag: 'danger' },
  cancelled: { text: '已取消', tag: 'warning' },
}
export const MESSAGE_KINDS: Record<string, string> = {
  thank_you: '致谢短信',
  review_approved: '审核通过',
  review_rejected: '审核未通过',
  registration_closing: '登记即将截止',
  info_deadline: '信息完善提醒',
  recommended: '已被推荐',
  endorsed: '推荐获认可',
  commended: '表彰',
  recommendation_deadline: '推荐截止提醒',
  summary_deadline: '工作总结截止提醒',
}

/** 0.55 -> "55%" */
export function percent(value: number): string {
  return `${Math.round(value * 100)}%`
}

/** The deadlines a dashboard item still has, in Chinese, soonest first. */
export function deadlineList(deadlines: Record<string, string> | undefined): { name: string; day: string }[] {
  return Object.entries(deadlines ?? {})
    .map(([key, day]) => ({ name: DEADLINE_NAMES[key] ?? key, day }))
    .sort((a, b) => a.day.localeCompare(b.day))
}

export interface WorkerRow {
  name: string
  phone: string
  organisation: string
}

/** What the activity form edits (strings where the person types, '' for "not given"). */
export interface ActivityForm {
  campaign_id: string
  name: string
  organizer: string
  co_organizers: string[]
  category: string
  joint_action: string
  programme: string
  themes: string[]
  target_groups: string[]
  format: 'offline' | 'online' | 'both'
  /** [start, end] as ISO date-times with offset, or null */
  time: [string, string] | null
  region_code: string
  address: string
  longitude: number | null
  latitude: number | null
  online_url: string
  /** an online activity's live stream (直播), optional: its URL and [start, end] */
  live_url: string
  live_time: [string, string] | null
  expected_participants: number | null
  key_activity: boolean
  description: string
  contact_name: string
  contact_phone: string
  science_workers: WorkerRow[]
  /** 千万IP online works, one a line: "平台 链接" (worksOf / worksText) */
  online_works: string
}

export function emptyForm(campaignId = ''): ActivityForm {
  return {
    campaign_id: campaignId,
    name: '',
    organizer: '',
    co_organizers: [],
    category: '',
    joint_action: '',
    programme: '',
    themes: [],
    target_groups: [],
    format: 'offline',
    time: null,
    region_code: '',
    address: '',
    longitude: null,
    latitude: null,
    online_url: '',
    live_url: '',
    live_time: null,
    expected_participants: null,
    key_activity: false,
    description: '',
    contact_name: '',
    contact_phone: '',
    science_workers: [],
    online_works: '',
  }
}

/** The form filled from an activity, to change it. */
/**
 * A moment as the time picker holds it: China wall time with its offset ("2026-09-16T09:30:00+08:00").
 * The API may answer in UTC ("…T01:30:00Z"); the picker reads only the digits of its value format,
 * so such a value would be shown eight hours early.
 */
export function chinaDateTime(iso: string): string {
  const moment = new Date(iso)
  if (Number.isNaN(moment.getTime())) return iso
  return `${new Date(moment.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 19)}+08:00`
}

export function formOf(activity: ActivityOut): ActivityForm {
  return {
    campaign_id: activity.campaign_id,
    name: activity.name,
    organizer: activity.organizer,
    co_organizers: [...activity.co_organizers],
    category: activity.category ?? '',
    joint_action: activity.joint_action ?? '',
    programme: activity.programme ?? '',
    themes: [...activity.themes],
    target_groups: [...activity.target_groups],
    format: (['offline', 'online', 'both'].includes(activity.format) ? activity.format : 'offline') as ActivityForm['format'],
    time: [chinaDateTime(activity.starts_at), chinaDateTime(activity.ends_at)],
    region_code: activity.region_code,
    address: activity.address ?? '',
    longitude: activity.longitude ?? null,
    latitude: activity.latitude ?? null,
    online_url: activity.online_url ?? '',
    live_url: activity.live_url ?? '',
    live_time: activity.live_starts_at && activity.live_ends_at ? [chinaDateTime(activity.live_starts_at), chinaDateTime(activity.live_ends_at)] : null,
    expected_participants: activity.expected_participants ?? null,
    key_activity: activity.key_activity,
    description: activity.description ?? '',
    contact_name: activity.contact_name ?? '',
    contact_phone: activity.contact_phone ?? '',
    science_workers: activity.science_workers.map((w) => ({ name: w.name, phone: w.phone, organisation: w.organisation ?? '' })),
    online_works: worksText(activity.online_works ?? []),
  }
}

const orNull = (text: string): string | null => (text.trim() === '' ? null : text.trim())

/** The live stream's fields: none for an offline activity, and none left out when nothing is given. */
function liveOf(form: ActivityForm): Pick<ActivityDetailsIn, 'live_url' | 'live_starts_at' | 'live_ends_at'> {
  const url = form.format === 'offline' ? null : orNull(form.live_url)
  const time = form.format === 'offline' ? null : form.live_time
  if (url === null && !time) return {}
  return { live_url: url, live_starts_at: time?.[0] ?? null, live_ends_at: time?.[1] ?? null }
}

/** The API's details from the form (PUT body; POST adds campaign_id). */
export function detailsOf(form: ActivityForm): ActivityDetailsIn {
  return {
    name: form.name.trim(),
    organizer: form.organizer.trim(),
    co_organizers: form.co_organizers.map((s) => s.trim()).filter(Boolean),
    category: orNull(form.category),
    joint_action: orNull(form.joint_action),
    programme: orNull(form.programme),
    themes: form.themes,
    target_groups: form.target_groups,
    format: form.format,
    starts_at: form.time?.[0] ?? '',
    ends_at: form.time?.[1] ?? '',
    region_code: form.region_code.trim(),
    address: form.format === 'online' ? orNull(form.address) : orNull(form.address),
    longitude: form.longitude,
    latitude: form.latitude,
    online_url: orNull(form.online_url),
    ...liveOf(form),
    expected_participants: form.expected_participants,
    key_activity: form.key_activity,
    description: orNull(form.description),
    contact_name: form.contact_name.trim(),
    contact_phone: form.contact_phone.trim(),
    science_workers: form.science_workers
      .filter((w) => w.name.trim() || w.phone.trim())
      .map((w) => ({ name: w.name.trim(), phone: w.phone.trim(), organisation: orNull(w.organisation) })),
    online_works: worksOf(form.online_works),
  }
}

export interface OnlineWork {
  url: string
  platform: string
}

/** The online works a text names, one a non-empty line: the platform, then the link (the last word);
 * a line of a link alone is on 其他. The service checks both (https, a known platform). */
export function worksOf(text: string): OnlineWork[] {
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/).filter(Boolean))
    .filter((words) => words.length > 0)
    .map((words) => ({ url: words[words.length - 1]!, platform: words.slice(0, -1).join(' ') || '其他' }))
}

/** The lines of :func:`worksOf` for ``works``. */
export function worksText(works: OnlineWork[]): string {
  return works.map((w) => `${w.platform} ${w.url}`).join('\n')
}

/** Where a refusal's messages go on a form: beside its items (by prop), and the rest at the top. */
export interface FormProblems {
  top: string | null
  /** Item messages, keyed by the form item's prop ("name", "time", "science_workers.2.phone"). */
  items: Record<string, string>
  /** The top message is about a window or deadline (a campaign's registration window, a started activity). */
  deadline: boolean
  conflict: boolean
}

// API field -> form item, where they differ
const ALIASES: Record<string, string> = { starts_at: 'time', ends_at: 'time', live_starts_at: 'live_time', live_ends_at: 'live_time' }
// fields a person cannot change on the form: their message goes at the top
const TOP_FIELDS = new Set(['status', 'info_completion_deadline', 'body', 'unit_id'])
// a message about time (a window, a deadline, an activity already started) stays at the top too
const WINDOW_WORDS = /登记时间|截止|已开始|已撤回|窗口/

/**
 * Spread ``shown`` over a form whose items are ``props``. An API field is matched with or without its
 * "details." prefix; "science_workers.3.phone" goes to that row when the form has it, else to the list.
 * Messages with no item go to the top; so does the whole problem when it has no field errors.
 */
export function formProblems(shown: ShownProblem, props: readonly string[]): FormProblems {
  const known = new Set(props)
  const items: Record<string, string> = {}
  const leftOver: string[] = []
  let deadline = false
  for (const [rawField, message] of Object.entries(shown.fieldErrors)) {
    const field = rawField.replace(/^details\./, '')
    if (WINDOW_WORDS.test(message) || TOP_FIELDS.has(field)) deadline = deadline || WINDOW_WORDS.test(message)
    const candidates = [ALIASES[field] ?? field]
    const parts = field.split('.')
    for (let n = parts.length - 1; n >= 1; n--) candidates.push(parts.slice(0, n).join('.'))
    const target = TOP_FIELDS.has(field) ? undefined : candidates.find((c) => known.has(c))
    if (target === undefined) {
      leftOver.push(message)
    } else if (target === 'campaign_id' && WINDOW_WORDS.test(message)) {
      // the window: at the top, where it is read first, and beside the campaign too
      items[target] = items[target] ?? message
      leftOver.push(message)
    } else if (!(target in items)) {
      items[target] = message
    }
  }
  let top: string | null
  if (Object.keys(shown.fieldErrors).length === 0) top = shown.message
  else if (leftOver.length) top = [...new Set(leftOver)].join('；')
  else top = shown.message
  return { top, items, deadline, conflict: shown.conflict }
}

/**
 * Science workers pasted from a sheet (or typed one per line): name, phone and organisation separated
 * by tabs, commas or spaces; a header row (姓名 / 手机) is skipped. Lines that are not a worker are returned.
 */
export function parseWorkers(text: string): { workers: WorkerRow[]; skipped: string[] } {
  const workers: WorkerRow[] = []
  const skipped: string[] = []
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (!line) continue
    const cells = (/[\t,，]/.test(line) ? line.split(/[\t,，]/) : mergeDigits(line.split(/\s+/)))
      .map((c) => c.trim())
      .filter(Boolean)
    const phoneIndex = cells.findIndex((c) => /^[+\d][\d\s\-]{5,}$/.test(c))
    if (phoneIndex === -1) {
      if (!/姓名|手机|电话/.test(line)) skipped.push(line)
      continue
    }
    const phone = cells[phoneIndex]!.replace(/[\s\-]/g, '')
    const rest = cells.filter((_, i) => i !== phoneIndex)
    const name = rest[0] ?? ''
    if (!name) {
      skipped.push(line)
      continue
    }
    workers.push({ name, phone, organisation: rest.slice(1).join(' ') })
  }
  return { workers, skipped }
}

// "139 0013 9001" typed with spaces: consecutive digit groups are one phone
function mergeDigits(cells: string[]): string[] {
  const merged: string[] = []
  for (const cell of cells) {
    const last = merged[merged.length - 1]
    if (last !== undefined && /^[+\d][\d-]*$/.test(last) && /^[\d-]+$/.test(cell)) merged[merged.length - 1] = last + cell
    else merged.push(cell)
  }
  return merged
}

/** Lines of URLs (one per line, blanks dropped) <-> the API's list. */
export function urlLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
}

/** The import report's row outcome in Chinese. */
export const IMPORT_STATUS: Record<string, { text: string; tag: 'success' | 'info' | 'danger' }> = {
  registered: { text: '已登记', tag: 'success' },
  already_registered: { text: '此前已登记', tag: 'info' },
  refused: { text: '未导入', tag: 'danger' },
}

export interface ImportRow {
  row: number
  status: string
  activity_id?: string | null
  errors?: { column: string | null; field: string | null; message: string }[]
}
export interface ImportReport {
  campaign_id: string
  sheet: string
  header_row: number
  ignored_columns: string[]
  counts: { rows: number; registered: number; already_registered: number; refused: number }
  rows: ImportRow[]
}

/** What an import refusal means for the person, beyond the API's own message. */
export function importAdvice(shown: ShownProblem): string | null {
  if (shown.status === 409) {
    return `本单位已有一个导入正在进行，一次只能导入一个表格${shown.retryAfter ? `，请约 ${shown.retryAfter} 秒后再试` : '，请稍后再试'}。`
  }
  if (shown.status === 413) return '表格超过大小限制（最大 5 MiB，解压后不超过 32 MiB）：请删去空行、图片，或分成几个表格上传。'
  if (shown.status === 415) return '请上传 .xlsx 格式的表格（Excel 2007 及以后版本），不支持 .xls 或 .csv。'
  if (shown.status === 422) return '表格无法读取或超出限制（最多 2000 行数据）：请使用附件1的模板，检查表头后再上传。'
  return null
}

/** A file name from a Content-Disposition header (filename* first), or the fallback. */
export function fileNameOf(disposition: string | null, fallback: string): string {
  if (!disposition) return fallback
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition)
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''))
    } catch {
      // fall through
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(disposition)
  return plain?.[1]?.trim() || fallback
}
