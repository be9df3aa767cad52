// Summary reports (工作总结): names of statuses and kinds, and the one call openapi-fetch does not
// make for us: a file sent as the request's body (the type is told by its content on the server).
import { accessToken } from '@/api/token'
import { ProblemError, showProblem } from '@/api/problems'
import type { ReviewSchemas } from '@/api/client'

export type SummaryOut = ReviewSchemas['SummaryOut']
export type OverviewOut = ReviewSchemas['OverviewOut']
export type DueOut = ReviewSchemas['DueOut']

export const STATUS_NAMES: Record<string, string> = { none: '未报送', draft: '草稿（未提交）', submitted: '已报送' }
export const STATUS_TAGS: Record<string, 'info' | 'warning' | 'success'> = { none: 'info', draft: 'warning', submitted: 'success' }
/** Accepted types, as the file picker's hint (the server checks the content, not the name). */
export const ACCEPT = '.pdf,.docx,.xlsx,.png,.jpg,.jpeg'

/** "1.2 MB", "35 KB" */
export function fileSize(bytes: number): string {
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MB`
  return `${Math.max(1, Math.round(bytes / 1024))} KB`
}

/** Attach ``file`` to the caller's draft of ``campaign``; the report as it now stands. */
export async function uploadAttachment(campaign: string, file: File): Promise<SummaryOut> {
  const params = new URLSearchParams({ campaign, filename: file.name })
  const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream' }
  if (accessToken.value) headers.Authorization = `Bearer ${accessToken.value}`
  let response: Response
  try {
    response = await fetch(`/api/v1/summaries/attachments?${params.toString()}`, { method: 'POST', headers, body: file })
  } catch {
    throw new ProblemError(showProblem(null, undefined, 0))
  }
  const body: unknown = await response.json().catch(() => null)
  if (!response.ok) throw new ProblemError(showProblem(body, response))
  return body as SummaryOut
}
