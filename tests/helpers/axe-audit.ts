/**
 * axe-core run in a real page, through every open shadow root (axe walks them itself: a
 * target inside Lit's shadow DOM comes back as a chain of selectors, host first). The
 * source is handed to the page over CDP (`page.evaluate`), which the app's
 * Content-Security-Policy does not govern, so nothing about the page is loosened to audit it.
 */
import axe from 'axe-core';
import type { Page } from 'playwright-core';

export type AxeImpact = 'minor' | 'moderate' | 'serious' | 'critical';

export interface AxeFinding {
  readonly rule: string;
  readonly impact: AxeImpact | 'n/a';
  /** Where, across shadow roots: `parley-app >>> conversation-view >>> button.more`. */
  readonly target: string;
  /** axe's one-line help for the rule, and what it says of this node in particular. */
  readonly summary: string;
}

/**
 * One rule not applied to one node, because axe misreads it there. Each carries why, so a
 * reader of the test sees the reason next to the exemption; nothing is switched off page-wide.
 */
export interface AxeExemption {
  readonly rule: string;
  readonly target: string;
  readonly why: string;
}

/** A chain of selectors across shadow roots, as one string. */
function targetOf(target: readonly unknown[]): string {
  return target.map((part) => (Array.isArray(part) ? part.join(' >>> ') : String(part))).join(' | ');
}

/**
 * Rules whose "needs review" answer is a finding here. aria-prohibited-attr says "needs
 * review" when a generic element (a `span` without a role) carries `aria-label` but also has
 * text: ARIA forbids naming such an element, and screen readers read its text and drop the
 * label, so a label that differs from the text is never heard.
 */
const REVIEW_AS_VIOLATION: readonly string[] = ['aria-prohibited-attr'];

/**
 * Every violation axe finds on the page as it is now (all impacts), and the "needs review"
 * answers of {@link REVIEW_AS_VIOLATION}, minus the exemptions.
 */
export async function axeAudit(page: Page, exempt: readonly AxeExemption[] = []): Promise<AxeFinding[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe.source);
  const violations = await page.evaluate(async (review) => {
    const result = await (window as unknown as { axe: typeof axe }).axe.run(document, {
      resultTypes: ['violations', 'incomplete'],
      // Two rules axe 4.14 leaves off by default: targets of 24 × 24 px (WCAG 2.2 AA, 2.5.8),
      // and focusable elements that have no role a screen reader can announce.
      rules: { 'target-size': { enabled: true }, 'focus-order-semantics': { enabled: true } },
    });
    return [...result.violations, ...result.incomplete.filter((v) => review.includes(v.id))].map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target as unknown[], failure: n.failureSummary ?? '' })),
    }));
  }, REVIEW_AS_VIOLATION);
  return violations.flatMap((v) =>
    v.nodes
      .map((n) => ({
        rule: v.id,
        impact: v.impact ?? ('n/a' as const),
        target: targetOf(n.target),
        // The failure summary's first fix is the telling part ("Fix any of the following: …").
        summary: `${v.help}${n.failure ? `: ${n.failure.split('\n').slice(1, 2).join('').trim()}` : ''}`,
      }))
      .filter((f) => !exempt.some((e) => e.rule === f.rule && e.target === f.target)),
  );
}

/** One line for an assertion message: impact, rule, where, what. */
export const describeFinding = (f: AxeFinding): string => `[${f.impact}] ${f.rule} at ${f.target} — ${f.summary}`;
