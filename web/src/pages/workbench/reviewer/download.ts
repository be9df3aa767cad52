// An export is a GET with the in-memory token: fetch it, then save the blob under the name the
// service gives it (no token ever goes into a link's URL).
import { accessToken } from '@/api/token'
import { ProblemError, showProblem } from '@/api/problems'
import { fileNameOf } from './reviewer'

export async function downloadSheet(path: string, query: Record<string, string | undefined>, fallback: string): Promise<string> {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) if (value) params.set(key, value)
  const headers: Record<string, string> = {}
  if (accessToken.value) headers.Authorization = `Bearer ${accessToken.value}`
  let response: Response
  try {
    response = await fetch(`${path}?${params.toString()}`, { headers })
  } catch {
    throw new ProblemError(showProblem(null, undefined, 0))
  }
  if (!response.ok) {
    const body: unknown = await response.json().catch(() => null)
    throw new ProblemError(showProblem(body, response))
  }
  const blob = await response.blob()
  const name = fileNameOf(response.headers.get('Content-Disposition'), fallback)
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = name
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
  return name
}
