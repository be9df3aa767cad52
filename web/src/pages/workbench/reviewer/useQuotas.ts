// The quota places the reviewer's body has left in the chosen campaign, per kind: the chain's quota
// for its level, less its standing recommendations and its endorsements (each takes a place).
import { computed, shallowRef, watch } from 'vue'
import { call, review, type ReviewSchemas } from '@/api/client'
import { claims } from '@/auth/session'
import { quotaLine, quotaOf, usedPlaces, type Kind, type QuotaLine } from './reviewer'
import { useCampaign } from './useCampaign'

async function everything(campaign: string, box: 'sent' | 'endorsed'): Promise<ReviewSchemas['ListedOut'][]> {
  const items: ReviewSchemas['ListedOut'][] = []
  let cursor: string | null | undefined
  do {
    const page = await call(review.GET('/api/v1/recommendations', { params: { query: { campaign, box, cursor, limit: 100 } } }))
    items.push(...page.items)
    cursor = page.next_cursor
  } while (cursor && items.length < 2000)
  return items
}

export function useQuotas() {
  const { campaignId, chain } = useCampaign()
  const lines = shallowRef<QuotaLine[] | null>(null)
  const failed = shallowRef(false)

  async function load(): Promise<void> {
    const campaign = campaignId.value
    if (!campaign) return
    failed.value = false
    try {
      const [sent, endorsed] = await Promise.all([everything(campaign, 'sent'), everything(campaign, 'endorsed')])
      const society = (claims.value?.jur ?? '').startsWith('society:')
      lines.value = (['activity', 'unit'] as Kind[]).map((kind) =>
        quotaLine(quotaOf(chain.value, claims.value?.level, kind, society), usedPlaces(sent, endorsed, kind), kind),
      )
    } catch {
      failed.value = true
    }
  }
  watch([campaignId, chain], () => void load(), { immediate: true })
  const byKind = computed(() => Object.fromEntries((lines.value ?? []).map((line) => [line.kind, line])) as Partial<Record<Kind, QuotaLine>>)
  return { lines, byKind, failed, reload: load }
}
