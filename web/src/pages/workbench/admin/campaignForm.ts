// The campaign editor's form and its mapping to and from the API (CampaignIn / CampaignOut):
// dates as "YYYY-MM-DD" strings (or '' when not set), lists as string arrays, the recommendation
// chain as one row per level. Settings the form does not edit (e.g. thank_you_sms) are kept as they
// came and sent back unchanged. checkCampaign() says, by the API's field names, what the API would
// refuse, so the person sees it beside the field before sending.
import type { RegistrationSchemas } from '@/api/client'

export type CampaignIn = RegistrationSchemas['CampaignIn']
export type CampaignOut = RegistrationSchemas['CampaignOut']
export type Level = 'county' | 'city' | 'province' | 'national'
export type RuleKind = 'name_contains' | 'category'
export type RulePer = 'province' | 'city' | 'county'

export const LEVELS: Level[] = ['county', 'city', 'province', 'national']
export const LEVEL_NAMES: Record<Level, string> = { county: '县级', city: '市级', province: '省级', national: '全国' }
export const RULE_KINDS: Record<RuleKind, string> = { name_contains: '活动名称含关键词', category: '活动类别' }
export const LIST_FIELDS = [
  ['categories', '活动类别'],
  ['joint_actions', '联合行动'],
  ['programmes', '重点品牌活动'],
  ['themes', '活动主题'],
  ['target_groups', '目标人群'],
  ['indicators', '考核指标'],
] as const
export type ListField = (typeof LIST_FIELDS)[number][0]

export interface LocalRuleForm {
  name: string
  kind: RuleKind
  match: string
  per: RulePer
}

/** One level of the chain: its quotas (null: no limit) and its window ('' : until the recommendation deadline). */
export interface LevelForm {
  quota: number | null
  unitQuota: number | null
  opensOn: string
  closesOn: string
}

export interface ChainForm {
  levels: Level[]
  forwardTo: Level
  societies: boolean
  societyQuota: number | null
  societyUnitQuota: number | null
  perLevel: Record<Level, LevelForm>
  /** 部委系统 / 各有关单位 recommend too; the levels that commend (null: the default, national) — kept as read. */
  ministries: boolean
  units: boolean
  commending: Level[] | null
}

export interface CampaignForm {
  id: string
  year: number
  title: string
  theme: string
  weekStartsOn: string
  weekEndsOn: string
  registrationOpensOn: string
  registrationClosesOn: string
  infoCompletionDeadline: string
  summaryDeadline: string
  recommendationDeadline: string
  lists: Record<ListField, string[]>
  localRules: LocalRuleForm[]
  autoApprove: boolean
  regionCode: string
  keyActivityPlanDeadline: string
  hasChain: boolean
  chain: ChainForm
  /** Settings the form does not edit, sent back as they came. */
  otherSettings: Record<string, unknown>
  /** the indicators' weights as loaded (the form does not edit them; kept while they still fit) */
  indicatorWeights?: CampaignIn['indicator_weights']
}

function emptyLevel(): LevelForm {
  return { quota: null, unitQuota: null, opensOn: '', closesOn: '' }
}

function emptyChain(): ChainForm {
  return {
    levels: ['county', 'city', 'province'],
    forwardTo: 'national',
    societies: false,
    societyQuota: null,
    societyUnitQuota: null,
    perLevel: { county: emptyLevel(), city: emptyLevel(), province: emptyLevel(), national: emptyLevel() },
    ministries: false,
    units: false,
    commending: null,
  }
}

/** A new campaign's form for ``year``. */
export function emptyForm(year: number): CampaignForm {
  return {
    id: `${year}-national`,
    year,
    title: `${year}年全国科普日`,
    theme: '',
    weekStartsOn: '',
    weekEndsOn: '',
    registrationOpensOn: '',
    registrationClosesOn: '',
    infoCompletionDeadline: '',
    summaryDeadline: '',
    recommendationDeadline: '',
    lists: { categories: [], joint_actions: [], programmes: [], themes: [], target_groups: [], indicators: [] },
    localRules: [],
    autoApprove: false,
    regionCode: '',
    keyActivityPlanDeadline: '',
    hasChain: false,
    chain: emptyChain(),
    otherSettings: {},
  }
}

const day = (value: string | null | undefined): string => value ?? ''
const dayOrNull = (value: string): string | null => (value.trim() ? value.trim() : null)

interface ChainIn {
  levels?: Level[]
  forward_to?: Level
  societies?: boolean
  quotas?: Record<string, number>
  unit_quotas?: Record<string, number>
  society_quota?: number | null
  society_unit_quota?: number | null
  windows?: Record<string, { opens_on?: string | null; closes_on?: string | null }>
  ministries?: boolean
  units?: boolean
  commending?: Level[]
}

function chainOf(chain: ChainIn): ChainForm {
  const form = emptyChain()
  form.levels = [...(chain.levels ?? [])]
  form.forwardTo = chain.forward_to ?? 'national'
  form.societies = chain.societies ?? false
  form.societyQuota = chain.society_quota ?? null
  form.societyUnitQuota = chain.society_unit_quota ?? null
  form.ministries = chain.ministries ?? false
  form.units = chain.units ?? false
  form.commending = chain.commending ? [...chain.commending] : null
  for (const level of LEVELS) {
    form.perLevel[level] = {
      quota: chain.quotas?.[level] ?? null,
      unitQuota: chain.unit_quotas?.[level] ?? null,
      opensOn: day(chain.windows?.[level]?.opens_on),
      closesOn: day(chain.windows?.[level]?.closes_on),
    }
  }
  return form
}

/** The form showing a campaign as the API answered it. */
export function formOf(campaign: CampaignOut): CampaignForm {
  const { recommendation, region_code, key_activity_plan_deadline, ...otherSettings } = (campaign.settings ?? {}) as Record<
    string,
    unknown
  >
  return {
    id: campaign.id,
    year: campaign.year,
    title: campaign.title,
    theme: campaign.theme ?? '',
    weekStartsOn: campaign.week.starts_on,
    weekEndsOn: campaign.week.ends_on,
    registrationOpensOn: day(campaign.registration?.opens_on),
    registrationClosesOn: day(campaign.registration?.closes_on),
    infoCompletionDeadline: day(campaign.info_completion_deadline),
    summaryDeadline: day(campaign.summary_deadline),
    recommendationDeadline: day(campaign.recommendation_deadline),
    lists: {
      categories: [...(campaign.categories ?? [])],
      joint_actions: [...(campaign.joint_actions ?? [])],
      programmes: [...(campaign.programmes ?? [])],
      themes: [...(campaign.themes ?? [])],
      target_groups: [...(campaign.target_groups ?? [])],
      indicators: [...(campaign.indicators ?? [])],
    },
    localRules: (campaign.local_rules ?? []).map((rule) => ({
      name: rule.name,
      kind: rule.kind,
      match: rule.match,
      per: rule.per ?? 'county',
    })),
    autoApprove: campaign.auto_approve ?? false,
    regionCode: typeof region_code === 'string' ? region_code : '',
    keyActivityPlanDeadline: typeof key_activity_plan_deadline === 'string' ? key_activity_plan_deadline : '',
    hasChain: recommendation != null,
    chain: recommendation != null ? chainOf(recommendation as ChainIn) : emptyChain(),
    otherSettings,
    indicatorWeights: campaign.indicator_weights ?? null,
  }
}

/** The chain's levels bottom-up, each once (the order the API requires). */
export function orderedLevels(levels: Level[]): Level[] {
  return LEVELS.filter((level) => levels.includes(level))
}

/** The levels a chain's quotas and windows may be given for: its levels and the one it forwards to. */
export function chainLevels(chain: ChainForm): Level[] {
  return orderedLevels([...chain.levels, chain.forwardTo])
}

function chainIn(chain: ChainForm): ChainIn {
  const quotas: Record<string, number> = {}
  const unitQuotas: Record<string, number> = {}
  const windows: Record<string, { opens_on: string | null; closes_on: string | null }> = {}
  for (const level of chainLevels(chain)) {
    const row = chain.perLevel[level]
    if (row.quota != null) quotas[level] = row.quota
    if (row.unitQuota != null) unitQuotas[level] = row.unitQuota
    if (row.opensOn || row.closesOn) windows[level] = { opens_on: dayOrNull(row.opensOn), closes_on: dayOrNull(row.closesOn) }
  }
  return {
    levels: orderedLevels(chain.levels),
    forward_to: chain.forwardTo,
    societies: chain.societies,
    quotas,
    unit_quotas: unitQuotas,
    society_quota: chain.societies ? chain.societyQuota : null,
    society_unit_quota: chain.societies ? chain.societyUnitQuota : null,
    windows,
    ministries: chain.ministries,
    units: chain.units,
    ...(chain.commending ? { commending: chain.commending } : {}),
  }
}

const cleanList = (items: string[]): string[] => items.map((item) => item.trim()).filter(Boolean)

/** What the API is sent for the form (POST /campaigns, or PUT with If-Match). */
export function campaignIn(form: CampaignForm): CampaignIn {
  const settings: Record<string, unknown> = { ...form.otherSettings }
  if (form.regionCode.trim()) settings.region_code = form.regionCode.trim()
  if (form.keyActivityPlanDeadline) settings.key_activity_plan_deadline = form.keyActivityPlanDeadline
  if (form.hasChain) settings.recommendation = chainIn(form.chain)
  return {
    id: form.id.trim(),
    year: form.year,
    title: form.title.trim(),
    theme: form.theme.trim() || null,
    week: { starts_on: form.weekStartsOn, ends_on: form.weekEndsOn },
    registration: { opens_on: dayOrNull(form.registrationOpensOn), closes_on: dayOrNull(form.registrationClosesOn) },
    info_completion_deadline: dayOrNull(form.infoCompletionDeadline),
    summary_deadline: dayOrNull(form.summaryDeadline),
    recommendation_deadline: dayOrNull(form.recommendationDeadline),
    categories: cleanList(form.lists.categories),
    joint_actions: cleanList(form.lists.joint_actions),
    programmes: cleanList(form.lists.programmes),
    themes: cleanList(form.lists.themes),
    target_groups: cleanList(form.lists.target_groups),
    indicators: cleanList(form.lists.indicators),
    local_rules: form.localRules.map((rule) => ({
      name: rule.name.trim(),
      kind: rule.kind,
      match: rule.match.trim(),
      per: rule.per,
    })),
    auto_approve: form.autoApprove,
    settings: settings as CampaignIn['settings'],
    ...keptWeights(form),
  }
}

/** The loaded indicator weights while they weigh exactly the form's indicators (else none: equal weights). */
function keptWeights(form: CampaignForm): Pick<CampaignIn, 'indicator_weights'> {
  const indicators = cleanList(form.lists.indicators)
  const weights = form.indicatorWeights ?? []
  const named = weights.map((w) => w.indicator)
  const fits = weights.length > 0 && named.length === indicators.length && indicators.every((i) => named.includes(i))
  return fits ? { indicator_weights: weights } : {}
}

const DEADLINE_NAMES = {
  info_completion_deadline: ['infoCompletionDeadline', '信息完善截止日期'],
  summary_deadline: ['summaryDeadline', '工作总结截止日期'],
  recommendation_deadline: ['recommendationDeadline', '推荐截止日期'],
} as const

/** What the API would refuse, by its field names ("week", "settings.recommendation", "local_rules.0.match"). */
export function checkCampaign(form: CampaignForm): Record<string, string> {
  const errors: Record<string, string> = {}
  if (!/^[a-z0-9][a-z0-9-]{1,63}$/.test(form.id.trim())) errors.id = '编号为小写字母、数字和连字符，如 2024-national'
  if (!Number.isInteger(form.year) || form.year < 2004 || form.year > 2100) errors.year = '年份须在 2004 至 2100 之间'
  if (!form.title.trim()) errors.title = '必填'
  if (!form.weekStartsOn || !form.weekEndsOn) errors.week = '请选择集中活动周的开始和结束日期'
  else if (form.weekStartsOn > form.weekEndsOn) errors.week = '集中活动周的开始日期晚于结束日期'
  else if (Number(form.weekStartsOn.slice(0, 4)) !== form.year) errors.week = `集中活动周须在 ${form.year} 年内`
  if (form.registrationOpensOn && form.registrationClosesOn && form.registrationOpensOn > form.registrationClosesOn) {
    errors.registration = '登记开始日期晚于截止日期'
  }
  for (const [field, [key, label]] of Object.entries(DEADLINE_NAMES)) {
    const value = form[key]
    if (value && form.weekStartsOn && value < form.weekStartsOn) errors[field] = `${label}不能早于集中活动周开始日`
  }
  if (form.regionCode.trim() && !/^[1-8]\d(\d{2}(\d{2})?)?$/.test(form.regionCode.trim())) {
    errors['settings.region_code'] = '行政区划代码为 2、4 或 6 位数字'
  }
  const names = new Set<string>()
  form.localRules.forEach((rule, index) => {
    if (!rule.name.trim()) errors[`local_rules.${index}.name`] = '必填'
    else if (names.has(rule.name.trim())) errors[`local_rules.${index}.name`] = '规则名称重复'
    names.add(rule.name.trim())
    if (!rule.match.trim()) errors[`local_rules.${index}.match`] = '必填'
    else if (rule.kind === 'category' && form.lists.categories.length && !form.lists.categories.includes(rule.match.trim())) {
      errors[`local_rules.${index}.match`] = '不在活动类别中'
    }
  })
  if (form.hasChain) {
    const chain = form.chain
    const levels = orderedLevels(chain.levels)
    const top = levels[levels.length - 1]
    if (!levels.length) errors['settings.recommendation.levels'] = '至少选择一个推荐层级'
    else if (levels.length > 3) errors['settings.recommendation.levels'] = '至多三个推荐层级'
    else if (top && LEVELS.indexOf(chain.forwardTo) <= LEVELS.indexOf(top)) {
      errors['settings.recommendation.forward_to'] = '最终审定层级须高于最高推荐层级'
    }
    for (const level of chainLevels(chain)) {
      const row = chain.perLevel[level]
      if (row.opensOn && row.closesOn && row.opensOn > row.closesOn) {
        errors[`settings.recommendation.windows.${level}`] = '推荐窗口的开始日期晚于截止日期'
      }
    }
  }
  return errors
}

/** The message for a field or anything under it ("settings.recommendation" covers its levels, windows…). */
export function errorUnder(errors: Record<string, string>, field: string): string | undefined {
  if (errors[field]) return errors[field]
  const key = Object.keys(errors).find((name) => name.startsWith(`${field}.`))
  return key ? errors[key] : undefined
}

// the registration window's state lives beside its words, shared with the organizer's form
export { chinaToday, registrationState } from '@/registrationWindow'
