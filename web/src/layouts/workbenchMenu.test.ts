import { describe, expect, it } from 'vitest'
import { activeEntry, MENUS } from './workbenchMenu'

describe('activeEntry', () => {
  it('highlights the entry whose path is the longest one the page lies under', () => {
    expect(activeEntry(MENUS.organizer, '/workbench/activities')).toBe('/workbench/activities')
    expect(activeEntry(MENUS.organizer, '/workbench/activities/new')).toBe('/workbench/activities/new')
    expect(activeEntry(MENUS.organizer, '/workbench/activities/abc/edit')).toBe('/workbench/activities')
    expect(activeEntry(MENUS.reviewer, '/workbench/review')).toBe('/workbench/review')
  })

  it('highlights 推荐 on the 附件3 and 附件2 forms, not 待审核活动 whose path is a prefix', () => {
    expect(activeEntry(MENUS.reviewer, '/workbench/review/recommend/activity')).toBe('/workbench/review/recommendations')
    expect(activeEntry(MENUS.reviewer, '/workbench/review/recommend/unit')).toBe('/workbench/review/recommendations')
    expect(activeEntry(MENUS.reviewer, '/workbench/review/exports')).toBe('/workbench/review/exports')
  })

  it('highlights nothing outside the menu', () => {
    expect(activeEntry(MENUS.admin, '/workbench/elsewhere')).toBe('')
  })
})
