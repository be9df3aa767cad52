// The one place where an API's refusal becomes what the person sees. Every Kepuri service answers
// errors as RFC 9457 problem+json (shared/web/problems.py): {type, title, status, detail?, errors?:
// [{field, message, type?}], retry_after?}. Titles and many details are "中文 (english)"; the person
// reads the Chinese. Pages never parse errors themselves: they show `message` at the top, each
// `fieldErrors[field]` beside its field, a reload offer when `conflict`, and wait `retryAfter` s.

/** What a page shows for a failed call. */
export interface ShownProblem {
  /** HTTP status; 0 when the request never got an answer (offline, proxy down). */
  status: number
  /** The top message, in Chinese. */
  message: string
  /** Message per field, keyed by the API's field name (dotted for nested ones, e.g. "details.title"). */
  fieldErrors: Record<string, string>
  /** Someone changed the record meanwhile (409): offer to reload it, then try again. */
  conflict: boolean
  /** Seconds to wait before trying again (429, 503, an import in progress), or null. */
  retryAfter: number | null
  /** The problem's type URI, e.g. "/problems/quota-full"; "about:blank" when it has none. */
  type: string
}

interface ProblemBody {
  type?: unknown
  title?: unknown
  status?: unknown
  detail?: unknown
  errors?: unknown
  retry_after?: unknown
}

const CJK = /[\u3400-\u9fff]/

// 409s after which the person should reload: the record changed (a stale version) or is no longer
// in the state they saw. A full quota or an import still running is said, not reloaded.
const RELOAD_TYPES = new Set(['/problems/conflict', '/problems/wrong-state'])

const BY_STATUS: Record<number, string> = {
  0: '网络连接失败，请检查网络后重试',
  400: '请求无效',
  401: '登录已失效，请重新登录',
  403: '没有权限执行此操作',
  404: '未找到该内容',
  409: '内容已被修改，请重新加载后再试',
  412: '内容已被修改，请重新加载后再试',
  413: '文件太大',
  422: '提交的内容有误，请检查标出的项目',
  428: '内容已被修改，请重新加载后再试',
  429: '操作太频繁，请稍后再试',
  503: '服务暂不可用，请稍后再试',
}

// pydantic's error types (the 422 of a malformed request), said in Chinese
const BY_ERROR_TYPE: Record<string, string> = {
  missing: '必填',
  string_too_short: '内容太短',
  string_too_long: '内容太长',
  string_pattern_mismatch: '格式不正确',
  string_type: '应为文字',
  int_parsing: '应为整数',
  int_type: '应为整数',
  float_parsing: '应为数字',
  greater_than: '数值太小',
  greater_than_equal: '数值太小',
  less_than: '数值太大',
  less_than_equal: '数值太大',
  too_short: '项目太少',
  too_long: '项目太多',
  date_from_datetime_parsing: '日期格式不正确',
  date_parsing: '日期格式不正确',
  datetime_parsing: '时间格式不正确',
  datetime_from_date_parsing: '时间格式不正确',
  enum: '不是可选的值',
  literal_error: '不是可选的值',
  bool_parsing: '应为是或否',
  url_parsing: '网址格式不正确',
  url_scheme: '网址格式不正确',
  extra_forbidden: '不应填写此项',
  value_error: '内容无效',
}

/** The Chinese part of "中文 (english)"; null when the text has no Chinese. */
export function chinesePart(text: unknown): string | null {
  if (typeof text !== 'string' || !CJK.test(text)) return null
  const stripped = text.replace(/\s*[(（][\x20-\x7e]*[)）]\s*$/, '').trim()
  return stripped || text.trim()
}

function fieldMessage(entry: Record<string, unknown>): string {
  // pydantic prefixes a validator's own message with "Value error, "
  const message = typeof entry.message === 'string' ? entry.message.replace(/^(Value|Assertion) error, /, '') : entry.message
  return (
    chinesePart(message) ??
    (typeof entry.type === 'string' ? BY_ERROR_TYPE[entry.type] : undefined) ??
    '内容无效'
  )
}

function retryAfterOf(body: ProblemBody, response?: Response): number | null {
  const header = response?.headers.get('Retry-After')
  const seconds = Number(header ?? body.retry_after)
  if ((header != null || body.retry_after != null) && Number.isFinite(seconds) && seconds >= 0) return seconds
  return null
}

/** What to show for an answer with ``status`` whose body (parsed JSON, or anything) is ``body``. */
export function showProblem(body: unknown, response?: Response, status?: number): ShownProblem {
  const problem: ProblemBody = body !== null && typeof body === 'object' ? (body as ProblemBody) : {}
  const code = status ?? response?.status ?? (typeof problem.status === 'number' ? problem.status : 0)
  const type = typeof problem.type === 'string' ? problem.type : 'about:blank'
  const fieldErrors: Record<string, string> = {}
  if (Array.isArray(problem.errors)) {
    for (const entry of problem.errors) {
      if (entry === null || typeof entry !== 'object') continue
      const field = (entry as Record<string, unknown>).field
      if (typeof field === 'string' && !(field in fieldErrors)) {
        fieldErrors[field] = fieldMessage(entry as Record<string, unknown>)
      }
    }
  }
  const fallback = BY_STATUS[code] ?? (code >= 500 ? '服务出错，请稍后再试' : '操作未能完成')
  const message = chinesePart(problem.detail) ?? chinesePart(problem.title) ?? fallback
  return {
    status: code,
    message,
    fieldErrors,
    conflict: code === 412 || code === 428 || (code === 409 && RELOAD_TYPES.has(type)),
    retryAfter: retryAfterOf(problem, response),
    type,
  }
}

/** A failed API call, carrying what to show for it. */
export class ProblemError extends Error {
  readonly shown: ShownProblem

  constructor(shown: ShownProblem) {
    super(shown.message)
    this.name = 'ProblemError'
    this.shown = shown
  }
}

/** What to show for anything a call threw: a ProblemError's problem, or "offline" for a network error. */
export function problemOf(error: unknown): ShownProblem {
  if (error instanceof ProblemError) return error.shown
  if (error instanceof DOMException && error.name === 'AbortError') {
    return { ...showProblem(null, undefined, 0), message: '请求已取消' }
  }
  return showProblem(null, undefined, 0)
}
