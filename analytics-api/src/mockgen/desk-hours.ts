/**
 * When a staffed desk gets to something that happened while it was closed. A non-urgent ticket's
 * response, fix or closure that falls on a weekend or holiday waits for the next workday morning;
 * the closed stretch is squeezed, in order, into that morning's first hours, so the order of a
 * ticket's events is kept and Monday morning clears the weekend's queue.
 */
import type { DayKind } from './world.js';
import { isStaffed } from './world.js';
import type { ZoneClock } from './zone-clock.js';
import { addDays } from './zone-clock.js';

const MINUTE = 60_000;
/** The desk opens at 08:00 and has worked off the closed days' queue by 10:30. */
const OPENING_MINUTE = 8 * 60;
const CATCH_UP_MINUTES = 150;

interface ClosedStretch {
  start: number;
  end: number;
  reopensAt: number;
}

export class DeskHours {
  private readonly stretches = new Map<string, ClosedStretch | null>();

  constructor(
    private readonly clock: ZoneClock,
    private readonly kindOf: (date: string) => DayKind,
  ) {}

  /** `at` itself on a staffed day, else its place in the next workday's catch-up hours. */
  handledAt(at: number): number {
    const stretch = this.closedStretch(this.clock.localDate(at));
    if (stretch === null) return at;
    const share = (at - stretch.start) / (stretch.end - stretch.start);
    return stretch.reopensAt + Math.round(share * CATCH_UP_MINUTES) * MINUTE;
  }

  private closedStretch(date: string): ClosedStretch | null {
    const cached = this.stretches.get(date);
    if (cached !== undefined) return cached;
    let stretch: ClosedStretch | null = null;
    if (!this.staffed(date)) {
      let first = date;
      while (!this.staffed(addDays(first, -1))) first = addDays(first, -1);
      let next = addDays(date, 1);
      while (!this.staffed(next)) next = addDays(next, 1);
      stretch = { start: this.clock.toUtc(first, 0), end: this.clock.toUtc(next, 0), reopensAt: this.clock.toUtc(next, OPENING_MINUTE) };
    }
    this.stretches.set(date, stretch);
    return stretch;
  }

  private staffed(date: string): boolean {
    return isStaffed(this.kindOf(date));
  }
}
