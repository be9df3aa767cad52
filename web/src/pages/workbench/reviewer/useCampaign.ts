// The campaign the reviewer works in, shared by the reviewer pages (chosen once, kept while the
// site is open): the list of campaigns, the chosen one and its recommendation chain.
import { computed, ref, shallowRef } from 'vue'
import { call, registration, type RegistrationSchemas } from '@/api/client'
import { problemOf, type ShownProblem } from '@/api/problems'
import { defaultCampaign } from './reviewer'

const campaigns = shallowRef<RegistrationSchemas['CampaignOut'][] | null>(null)
const campaignId = ref<string | null>(null)
const problem = shallowRef<ShownProblem | null>(null)
let loading: Promise<void> | null = null

async function load(): Promise<void> {
  problem.value = null
  try {
    const list = (await call(registration.GET('/api/v1/campaigns'))).items
    campaigns.value = list
    if (!campaignId.value || !list.some((c) => c.id === campaignId.value)) campaignId.value = defaultCampaign(list)
  } catch (error) {
    problem.value = problemOf(error)
  } finally {
    loading = null
  }
}

export function useCampaign() {
  if (campaigns.value === null && loading === null) loading = load()
  const campaign = computed(() => campaigns.value?.find((c) => c.id === campaignId.value) ?? null)
  const chain = computed(() => campaign.value?.settings?.recommendation ?? null)
  return {
    campaigns,
    campaignId,
    campaign,
    chain,
    problem,
    reload: () => (loading ??= load()),
  }
}
