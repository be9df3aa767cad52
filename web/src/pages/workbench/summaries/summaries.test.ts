import { afterEach, describe, expect, it, vi } from 'vitest'
import { fileSize, uploadAttachment } from './summaries'

describe('fileSize', () => {
  it('says KB below a megabyte and never 0 KB', () => {
    expect(fileSize(10)).toBe('1 KB')
    expect(fileSize(35 * 1024)).toBe('35 KB')
    expect(fileSize(1.25 * 1024 * 1024)).toBe('1.3 MB')
  })
})

describe('uploadAttachment', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('sends the file itself as the body, its name in the query', async () => {
    const fetch = vi.fn().mockResolvedValue(new Response(JSON.stringify({ status: 'draft' }), { status: 201 }))
    vi.stubGlobal('fetch', fetch)
    const file = new File(['%PDF-1.4'], '临渭区总结.pdf', { type: 'application/pdf' })
    const answer = await uploadAttachment('2026-weinan', file)
    expect(answer.status).toBe('draft')
    const [url, init] = fetch.mock.calls[0] as [string, RequestInit]
    expect(url).toBe(`/api/v1/summaries/attachments?campaign=2026-weinan&filename=${encodeURIComponent('临渭区总结.pdf')}`)
    expect(init.method).toBe('POST')
    expect(init.body).toBe(file)
  })

  it('turns a refusal into the problem a person reads', async () => {
    const problem = { title: 'File refused', status: 422, detail: '只接受 PDF、Word (docx)、Excel (xlsx)、PNG 和 JPEG 文件（按文件内容判断）' }
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(new Response(JSON.stringify(problem), { status: 422 })))
    await expect(uploadAttachment('2026', new File(['x'], 'a.exe'))).rejects.toMatchObject({ shown: { message: expect.stringContaining('只接受') } })
  })
})
