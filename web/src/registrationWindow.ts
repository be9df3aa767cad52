// A campaign's registration window as people read it, shared by the admin's campaign list and the
// organizer's register form: whether it is open today (China's calendar day) and the window in words.
import type { RegistrationSchemas } from '@/api/client'
import { formatDate, formatDateRange } from '@/format'

type CampaignOut = RegistrationSchemas['CampaignOut']
export type RegistrationState = 'before' | 'open' | 'closed'

export const REGISTRATION_STATE_NAMES: Record<RegistrationState, string> = {
  open: '登记中',
  before: '未开始登记',
  closed: '登记已截止',
}

/** Whether organizers may register in the campaign today (China's calendar day). */
export function registrationState(campaign: CampaignOut, today: string = chinaToday()): RegistrationState {
  const { opens_on: opens, closes_on: closes } = campaign.registration ?? {}
  if (opens && today < opens) return 'before'
  if (closes && today > closes) return 'closed'
  return 'open'
}

/** Today's date in China (UTC+8), "YYYY-MM-DD". */
export function chinaToday(now: Date = new Date()): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10)
}

/** The window in words: "2026年11月1日至12月4日", "2026年11月1日起", "至2026年12月4日", or "不限". */
export function windowText(campaign: CampaignOut): string {
  const { opens_on: opens, closes_on: closes } = campaign.registration ?? {}
  if (opens && closes) return formatDateRange(opens, closes, true)
  if (opens) return `${formatDate(opens)}起`
  if (closes) return `至${formatDate(closes)}`
  return '不限'
}
