// The typed API clients, one per service, all on the site's own origin (relative /api/v1/...,
// routed by the proxy). Paths, parameters, bodies and answers are typed from the services' OpenAPI
// documents (generated/*.ts, `npm run gen:api`). Each call attaches the in-memory access token.
//
//   const campaigns = await call(registration.GET('/api/v1/campaigns'))
//   try { ... } catch (error) { shown.value = problemOf(error) }   // see problems.ts
import createClient, { type Client, type Middleware } from 'openapi-fetch'
import { accessToken, tokenRefused } from './token'
import type { paths as AnalyticsPaths } from './generated/analytics'
import type { paths as NotificationPaths } from './generated/notification'
import type { paths as RegistrationPaths } from './generated/registration'
import type { paths as ReviewPaths } from './generated/review'
import { ProblemError, showProblem } from './problems'

const withToken: Middleware = {
  onRequest({ request }) {
    if (accessToken.value && !request.headers.has('Authorization')) {
      request.headers.set('Authorization', `Bearer ${accessToken.value}`)
    }
    return request
  },
  onResponse({ request, response }) {
    if (response.status === 401 && request.headers.has('Authorization')) tokenRefused()
    return response
  },
}

function serviceClient<Paths extends {}>(): Client<Paths> {
  // relative URLs: the page's origin, wherever the site is served from
  // fetch looked up at each call, not once at load (tests stub it; so may a WebView's bridge)
  const client = createClient<Paths>({ baseUrl: '', fetch: (request) => globalThis.fetch(request) })
  client.use(withToken)
  return client
}

export const registration = serviceClient<RegistrationPaths>()
export const review = serviceClient<ReviewPaths>()
export const notification = serviceClient<NotificationPaths>()
export const analytics = serviceClient<AnalyticsPaths>()

type Answer = { data?: unknown; error?: unknown; response: Response }
/** The data of a successful answer (undefined for one without a body, e.g. 204). */
type DataOf<R extends Answer> = [Exclude<R['data'], undefined>] extends [never] ? undefined : Exclude<R['data'], undefined>

/** The answer's data, or a thrown ProblemError (an API refusal, or status 0 when there was no answer). */
export async function call<R extends Answer>(pending: Promise<R>): Promise<DataOf<R>> {
  let answer: R
  try {
    answer = await pending
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error
    throw new ProblemError(showProblem(null, undefined, 0))
  }
  if (answer.error !== undefined || !answer.response.ok) {
    throw new ProblemError(showProblem(answer.error, answer.response))
  }
  return answer.data as DataOf<R>
}

// The schemas of each service's API, e.g. `RegistrationSchemas['CampaignOut']`.
export type RegistrationSchemas = import('./generated/registration').components['schemas']
export type ReviewSchemas = import('./generated/review').components['schemas']
export type NotificationSchemas = import('./generated/notification').components['schemas']
export type AnalyticsSchemas = import('./generated/analytics').components['schemas']
