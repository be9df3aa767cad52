import { describe, expect, it } from 'vitest'
import { showProblem } from '@/api/problems'
import { chinaDateTime, deadlineList, detailsOf, emptyForm, fileNameOf, formProblems, importAdvice, parseWorkers, percent } from './organizer'

const FORM_PROPS = ['campaign_id', 'name', 'time', 'address', 'contact_phone', 'science_workers', 'science_workers.1.phone']

describe('formProblems: a refusal spread over the form', () => {
  it('puts each field error beside its item, with or without the details. prefix', () => {
    const shown = showProblem({
      status: 422,
      title: '请求内容无效 (invalid request)',
      errors: [
        { field: 'details.name', message: 'String should have at most 100 characters', type: 'string_too_long' },
        { field: 'contact_phone', message: '联系电话格式不正确 (not a mainland mobile or landline number)' },
      ],
    }, new Response(null, { status: 422 }))
    const spread = formProblems(shown, FORM_PROPS)
    expect(spread.items).toEqual({ name: '内容太长', contact_phone: '联系电话格式不正确' })
    expect(spread.top).toBe('请求内容无效')
    expect(spread.deadline).toBe(false)
  })

  it('maps starts_at and ends_at onto the time range, a worker row onto its row or the list', () => {
    const shown = showProblem({
      errors: [
        { field: 'ends_at', message: '活动结束时间必须晚于开始时间 (the end must be after the start)' },
        { field: 'science_workers.1.phone', message: '赵芳 的电话号码格式不正确 (invalid phone)' },
        { field: 'science_workers.7.phone', message: '王五 的电话号码重复 (listed twice)' },
      ],
    }, new Response(null, { status: 422 }))
    const spread = formProblems(shown, FORM_PROPS)
    expect(spread.items.time).toBe('活动结束时间必须晚于开始时间')
    expect(spread.items['science_workers.1.phone']).toBe('赵芳 的电话号码格式不正确')
    expect(spread.items.science_workers).toBe('王五 的电话号码重复')
  })

  it('says a registration window at the top (and beside the campaign), as a deadline', () => {
    const message = '不在登记时间内：2024年全国科普日的活动登记时间为 2024-08-01 至 2024-09-10 (outside the window)'
    const shown = showProblem({ detail: message, errors: [{ field: 'campaign_id', message }] }, new Response(null, { status: 422 }))
    const spread = formProblems(shown, FORM_PROPS)
    expect(spread.deadline).toBe(true)
    expect(spread.top).toContain('不在登记时间内')
    expect(spread.items.campaign_id).toContain('不在登记时间内')
  })

  it('keeps fields the form does not have at the top, and a started activity as a deadline', () => {
    const shown = showProblem({ errors: [{ field: 'starts_at', message: '活动已开始，不能修改 (started)' }, { field: 'status', message: '活动已撤回 (withdrawn)' }] }, new Response(null, { status: 422 }))
    const spread = formProblems(shown, ['name'])
    expect(spread.items).toEqual({})
    expect(spread.top).toBe('活动已开始，不能修改；活动已撤回')
    expect(spread.deadline).toBe(true)
  })

  it('offers a reload for 409 changed meanwhile, with the message at the top', () => {
    const shown = showProblem({ type: '/problems/conflict', title: '版本冲突 (conflict)' }, new Response(null, { status: 409 }))
    const spread = formProblems(shown, FORM_PROPS)
    expect(spread.conflict).toBe(true)
    expect(spread.top).toBe('版本冲突')
  })
})

describe('the activity form', () => {
  it('sends blanks as null, drops empty worker rows and trims', () => {
    const form = emptyForm('2024-national')
    form.name = '  人工智能讲座 '
    form.time = ['2027-09-16T09:00:00+08:00', '2027-09-16T11:00:00+08:00']
    form.science_workers = [{ name: '李明', phone: ' 13900139001', organisation: '' }, { name: '', phone: '', organisation: '' }]
    const details = detailsOf(form)
    expect(details.name).toBe('人工智能讲座')
    expect(details.starts_at).toBe('2027-09-16T09:00:00+08:00')
    expect(details.address).toBeNull()
    expect(details.category).toBeNull()
    expect(details.science_workers).toEqual([{ name: '李明', phone: '13900139001', organisation: null }])
  })
})

describe('the live stream on the activity form', () => {
  it('sends an online activity\'s stream, nothing for an offline one or when left empty', () => {
    const time: [string, string] = ['2026-09-16T19:00:00+08:00', '2026-09-16T20:00:00+08:00']
    const online = { ...emptyForm('2026'), format: 'online' as const, live_url: ' https://live.example.cn/1 ', live_time: time }
    expect(detailsOf(online)).toMatchObject({ live_url: 'https://live.example.cn/1', live_starts_at: time[0], live_ends_at: time[1] })
    expect(detailsOf({ ...online, format: 'offline' })).not.toHaveProperty('live_url')
    expect(detailsOf({ ...emptyForm('2026'), format: 'online' })).not.toHaveProperty('live_url')
  })

  it('puts the stream\'s time errors beside its picker', () => {
    const shown = showProblem({ status: 422, errors: [{ field: 'live_ends_at', message: '直播结束时间必须晚于开始时间' }] }, undefined, 422)
    expect(formProblems(shown, ['live_url', 'live_time']).items.live_time).toContain('直播结束时间')
  })
})

describe('the time picker in China time', () => {
  it('holds the API\'s moments as China wall time with their offset, the same moment', () => {
    expect(chinaDateTime('2026-12-05T20:34:00Z')).toBe('2026-12-06T04:34:00+08:00')
    expect(chinaDateTime('2026-09-16T09:30:00+08:00')).toBe('2026-09-16T09:30:00+08:00')
    expect(new Date(chinaDateTime('2026-12-05T20:34:00+00:00')).getTime()).toBe(Date.parse('2026-12-05T20:34:00Z'))
  })
})

describe('science workers pasted from a sheet', () => {
  it('reads tab-separated rows, skips the header, reports what it cannot read', () => {
    const text = '姓名\t手机\t单位\n李明\t139 0013 9001\t西安交通大学\n赵芳,13900139002\n只有名字\n'
    const { workers, skipped } = parseWorkers(text)
    expect(workers).toEqual([
      { name: '李明', phone: '13900139001', organisation: '西安交通大学' },
      { name: '赵芳', phone: '13900139002', organisation: '' },
    ])
    expect(skipped).toEqual(['只有名字'])
  })
})

describe('small helpers', () => {
  it('lists deadlines in Chinese, soonest first', () => {
    expect(deadlineList({ summary_deadline: '2027-10-30', info_completion_deadline: '2027-10-10' })).toEqual([
      { name: '信息完善截止', day: '2027-10-10' },
      { name: '总结报送截止', day: '2027-10-30' },
    ])
    expect(percent(0.55)).toBe('55%')
  })

  it('explains the import limits', () => {
    expect(importAdvice(showProblem({}, new Response(null, { status: 409, headers: { 'Retry-After': '5' } })))).toContain('约 5 秒')
    expect(importAdvice(showProblem({}, new Response(null, { status: 413 })))).toContain('5 MiB')
    expect(importAdvice(showProblem({}, new Response(null, { status: 422 })))).toContain('2000')
  })

  it('takes the file name from Content-Disposition', () => {
    expect(fileNameOf("attachment; filename=\"a.xlsx\"; filename*=UTF-8''%E5%AF%BC%E5%87%BA.xlsx", 'x.xlsx')).toBe('导出.xlsx')
    expect(fileNameOf('attachment; filename="kepuri.xlsx"', 'x.xlsx')).toBe('kepuri.xlsx')
    expect(fileNameOf(null, 'x.xlsx')).toBe('x.xlsx')
  })
})
