import { describe, expect, it } from 'vitest'
import { jurisdictionHint, levelsBelow, staffIn, type StaffForm } from './staffForm'

const reviewer: StaffForm = { role: 'reviewer', login: ' wn-city ', password: 'p'.repeat(10), repeat: '', level: 'city', jurisdiction: ' 6105 ' }

describe('staffIn', () => {
  it('sends a reviewer with its level and trimmed jurisdiction', () => {
    expect(staffIn(reviewer)).toEqual({ login: 'wn-city', password: 'pppppppppp', role: 'reviewer', level: 'city', jurisdiction: '6105' })
  })
  it('a national body without a jurisdiction sends null', () => {
    expect(staffIn({ ...reviewer, level: 'national', jurisdiction: ' ' }).jurisdiction).toBeNull()
  })
  it('an admin sends neither level nor jurisdiction', () => {
    expect(staffIn({ ...reviewer, role: 'admin' })).toEqual({ login: 'wn-city', password: 'pppppppppp', role: 'admin' })
  })
  it('sends a phone only when one is given', () => {
    expect(staffIn({ ...reviewer, phone: ' 13912345678 ' }).phone).toBe('13912345678')
    expect('phone' in staffIn({ ...reviewer, phone: ' ' })).toBe(false)
  })
  it('a level admin creates the levels below its own only', () => {
    expect(levelsBelow('city', false)).toEqual(['county'])
    expect(levelsBelow('province', false)).toEqual(['county', 'city'])
    expect(levelsBelow(undefined, true)).toEqual(['county', 'city', 'province', 'national'])
  })
  it('hints the code length of each level', () => {
    expect(jurisdictionHint('county')).toContain('6 位')
    expect(jurisdictionHint('national')).toContain('society:')
  })
})
