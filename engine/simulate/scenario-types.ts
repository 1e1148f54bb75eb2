import type { Actor } from '../step/types.ts';

export interface ClockExpectation {
  status?: string;
  due?: string;
  remaining?: string;
  provisional?: boolean;
  extensions?: number;
  paused?: boolean;
}

export interface Expectation {
  state?: string | string[];
  status?: 'active' | 'done';
  outcome?: string;
  error?: string;
  alerts?: string[];
  escalations?: string[];
  notifications?: string[];
  tasks?: string[];
  data?: Record<string, unknown>;
  clocks?: Record<string, ClockExpectation>;
}

export interface ScenarioStep {
  at?: string;
  advance?: string;
  event?: string;
  actor?: Actor;
  payload?: Record<string, unknown>;
  expect?: Expectation;
  note?: string;
}

export interface ScenarioDoc {
  definition: string;
  title?: { zh: string; en?: string };
  start: { at: string; actor: Actor; department?: string; region?: string; data: Record<string, unknown>; expect?: Expectation };
  steps: ScenarioStep[];
}

/** One line of a simulation's timeline. */
export interface TimelineEntry {
  at: string;
  event: string;
  state: unknown;
  clocks: Record<string, { status: string; due?: string; remaining?: number; unit: string }>;
  alerts: string[];
  error?: { code: string; message: string };
}
