// Files to and from the API with the in-memory token: downloads (fetch + blob, since a plain link
// cannot carry the token) and the 附件1 upload (XMLHttpRequest, for its upload progress). A refusal
// becomes a ProblemError through api/problems.ts, as every other call does.
import { accessToken, tokenRefused } from '@/api/token'
import { ProblemError, showProblem } from '@/api/problems'
import { fileNameOf } from './organizer'

export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

async function refusal(response: Response): Promise<ProblemError> {
  let body: unknown = null
  try {
    body = await response.json()
  } catch {
    body = null
  }
  if (response.status === 401) tokenRefused()
  return new ProblemError(showProblem(body, response))
}

/** Hand ``blob`` to the browser as a download named ``name``. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = name
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** GET ``url`` with the token and save the answer; throws ProblemError. */
export async function download(url: string, fallbackName: string): Promise<void> {
  let response: Response
  try {
    response = await fetch(url, { headers: accessToken.value ? { Authorization: `Bearer ${accessToken.value}` } : {} })
  } catch {
    throw new ProblemError(showProblem(null, undefined, 0))
  }
  if (!response.ok) throw await refusal(response)
  saveBlob(await response.blob(), fileNameOf(response.headers.get('Content-Disposition'), fallbackName))
}

export interface Upload<T> {
  done: Promise<T>
  abort: () => void
}

/**
 * POST ``file`` as the body of ``url`` (Content-Type ``contentType``, xlsx unless told); ``onProgress`` gets the share sent (0..1),
 * then 1 while the server works. Resolves with the parsed JSON, or the Blob when ``asBlob``.
 */
export function uploadFile<T>(
  url: string,
  file: Blob,
  onProgress: (sent: number) => void,
  asBlob = false,
  contentType = XLSX,
): Upload<T> {
  const xhr = new XMLHttpRequest()
  const done = new Promise<T>((resolve, reject) => {
    xhr.open('POST', url)
    xhr.responseType = asBlob ? 'blob' : 'text'
    xhr.setRequestHeader('Content-Type', contentType)
    if (accessToken.value) xhr.setRequestHeader('Authorization', `Bearer ${accessToken.value}`)
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total)
    }
    xhr.upload.onload = () => onProgress(1)
    xhr.onerror = () => reject(new ProblemError(showProblem(null, undefined, 0)))
    xhr.onabort = () => reject(new DOMException('aborted', 'AbortError'))
    xhr.onload = async () => {
      const headers = new Headers()
      for (const line of xhr.getAllResponseHeaders().trim().split(/[\r\n]+/)) {
        const at = line.indexOf(':')
        if (at > 0) headers.set(line.slice(0, at).trim(), line.slice(at + 1).trim())
      }
      const body: BodyInit = xhr.response as Blob | string
      const response = new Response(xhr.status === 204 ? null : body, { status: xhr.status, headers })
      if (xhr.status < 200 || xhr.status >= 300) {
        reject(await refusal(response))
        return
      }
      if (asBlob) {
        ;(xhr.response as Blob & { fileName?: string }).fileName = fileNameOf(headers.get('Content-Disposition'), '')
        resolve(xhr.response as T)
      } else {
        resolve(JSON.parse(xhr.response as string) as T)
      }
    }
    xhr.send(file)
  })
  return { done, abort: () => xhr.abort() }
}
