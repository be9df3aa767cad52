import { describe, expect, it } from 'vitest'
import { campaignIn, checkCampaign, emptyForm, errorUnder, formOf, type CampaignOut } from './campaignForm'

const weinan: CampaignOut = {
  id: '2022-weinan',
  version: 3,
  year: 2022,
  title: '2022年渭南市全国科普日',
  theme: '喜迎二十大，科普向未来',
  week: { starts_on: '2022-09-15', ends_on: '2022-09-21' },
  registration: { opens_on: '2022-08-15', closes_on: '2022-09-25' },
  info_completion_deadline: '2022-10-10',
  summary_deadline: '2022-09-25',
  recommendation_deadline: '2022-09-25',
  categories: ['系列联合行动', '“云上科普日”活动'],
  joint_actions: ['部门系统联合行动'],
  programmes: [],
  themes: ['乡村振兴', '食品安全'],
  target_groups: ['青少年'],
  indicators: ['组织动员', '数量规模'],
  local_rules: [{ name: '食品安全科普活动', kind: 'name_contains', match: '食品安全', per: 'county' }],
  auto_approve: false,
  settings: {
    region_code: '6105',
    key_activity_plan_deadline: '2022-09-10',
    thank_you_sms: true,
    recommendation: {
      levels: ['county', 'city'],
      forward_to: 'province',
      societies: false,
      quotas: { county: 5, province: 10 },
      unit_quotas: { city: 3 },
      society_quota: null,
      society_unit_quota: null,
      windows: { county: { opens_on: '2022-09-22', closes_on: null } },
      ministries: true,
      units: false,
      commending: ['city', 'national'],
    },
  },
}

describe('campaign form <-> API', () => {
  it('round-trips a campaign as the API answered it, keeping settings it does not edit', () => {
    const form = formOf(weinan)
    expect(form.regionCode).toBe('6105')
    expect(form.hasChain).toBe(true)
    expect(form.chain.perLevel.county).toEqual({ quota: 5, unitQuota: null, opensOn: '2022-09-22', closesOn: '' })
    expect(form.otherSettings).toEqual({ thank_you_sms: true })
    const { version: _version, ...sent } = weinan
    expect(campaignIn(form)).toEqual(sent)
  })

  it('sends empty dates as null, trims lists and drops blank items, orders the chain bottom-up', () => {
    const form = emptyForm(2026)
    form.weekStartsOn = '2026-09-15'
    form.weekEndsOn = '2026-09-21'
    form.theme = '  '
    form.lists.themes = [' 人工智能 ', '', '航天']
    form.hasChain = true
    form.chain.levels = ['city', 'county']
    form.chain.forwardTo = 'province'
    form.chain.perLevel.national.quota = 9 // not on the chain: not sent
    form.chain.perLevel.city.closesOn = '2026-10-01'
    const sent = campaignIn(form)
    expect(sent.theme).toBeNull()
    expect(sent.registration).toEqual({ opens_on: null, closes_on: null })
    expect(sent.info_completion_deadline).toBeNull()
    expect(sent.themes).toEqual(['人工智能', '航天'])
    expect(sent.settings).toEqual({
      recommendation: {
        levels: ['county', 'city'],
        forward_to: 'province',
        societies: false,
        quotas: {},
        unit_quotas: {},
        society_quota: null,
        society_unit_quota: null,
        windows: { city: { opens_on: null, closes_on: '2026-10-01' } },
        ministries: false,
        units: false,
      },
    })
  })

  it('keeps the indicator weights while they weigh exactly the indicators, else sends none', () => {
    const weights = [
      { indicator: '组织动员', measure: 'mobilisation' as const, weight: 2 },
      { indicator: '数量规模', measure: 'scale' as const, weight: 1 },
    ]
    const form = formOf({ ...weinan, indicator_weights: weights })
    expect(campaignIn(form).indicator_weights).toEqual(weights)
    form.lists.indicators.push('品牌宣传')
    expect('indicator_weights' in campaignIn(form)).toBe(false)
  })

  it('a campaign without a chain sends no recommendation setting', () => {
    const form = formOf({ ...weinan, settings: {} })
    expect(form.hasChain).toBe(false)
    expect(campaignIn(form).settings).toEqual({})
  })
})

describe('checkCampaign', () => {
  it('accepts the seeded campaign', () => {
    expect(checkCampaign(formOf(weinan))).toEqual({})
  })

  it('names each field the API would refuse, by the API field name', () => {
    const form = formOf(weinan)
    form.id = 'Bad Id'
    form.weekStartsOn = '2022-09-22'
    form.registrationOpensOn = '2022-09-30'
    form.summaryDeadline = '2022-09-01'
    form.regionCode = '99'
    form.localRules.push({ name: '食品安全科普活动', kind: 'category', match: '不存在', per: 'city' })
    form.chain.forwardTo = 'county'
    form.chain.perLevel.city.opensOn = '2022-10-02'
    form.chain.perLevel.city.closesOn = '2022-10-01'
    const errors = checkCampaign(form)
    expect(Object.keys(errors).sort()).toEqual(
      [
        'id',
        'week',
        'registration',
        'summary_deadline',
        'settings.region_code',
        'local_rules.1.name',
        'local_rules.1.match',
        'settings.recommendation.forward_to',
        'settings.recommendation.windows.city',
      ].sort(),
    )
    expect(errorUnder(errors, 'settings.recommendation')).toBeTruthy()
    expect(errorUnder(errors, 'local_rules.0')).toBeUndefined()
  })

  it('a week outside the campaign year is refused', () => {
    const form = formOf(weinan)
    form.year = 2023
    expect(checkCampaign(form).week).toContain('2023')
  })
})
