/**
 * Checks run on every screen of the app: axe-core finds no accessibility violations, and
 * nothing reaches past the right edge of the viewport (horizontal overflow on a phone).
 */
import type { Page } from 'playwright-core';
import { axeAudit, describeFinding } from './axe-audit.js';

/** axe's violations on the page, one line each: impact, rule, where and what. */
export async function axeViolations(page: Page): Promise<string[]> {
  return (await axeAudit(page)).map(describeFinding);
}

/**
 * Elements whose box reaches past the viewport's right edge and are not clipped by an
 * ancestor that hides or scrolls its overflow: what a person would see cut off, or scroll
 * sideways to reach. Walks open shadow roots too.
 */
export async function horizontalOverflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const out: string[] = [];
    const describe = (el: Element): string => {
      const host = (el.getRootNode() as ShadowRoot).host;
      const name = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.classList.length ? `.${[...el.classList].join('.')}` : ''}`;
      return host ? `${host.tagName.toLowerCase()} ${name}` : name;
    };
    const visit = (el: Element, clipped: boolean): void => {
      const style = getComputedStyle(el);
      if (style.display === 'none' || style.visibility === 'hidden') return;
      if (el instanceof HTMLDialogElement && !el.open) return;
      const rect = el.getBoundingClientRect();
      if (!clipped && rect.width > 0 && rect.height > 0 && rect.right > width + 1) out.push(`${describe(el)} ends at ${Math.round(rect.right)} px of ${width}`);
      const scrolls = style.overflowX === 'auto' || style.overflowX === 'scroll';
      // A region that scrolls sideways inside is overflow too (text cut off until scrolled).
      if (!clipped && scrolls && el.scrollWidth > el.clientWidth + 1) out.push(`${describe(el)} scrolls sideways: ${el.scrollWidth} px in ${el.clientWidth}`);
      const clips = clipped || style.overflowX !== 'visible';
      for (const child of el.children) visit(child, clips);
      if (el.shadowRoot) for (const child of el.shadowRoot.children) visit(child, clips);
    };
    visit(document.documentElement, false);
    if (document.documentElement.scrollWidth > width + 1) out.unshift(`the page scrolls sideways: ${document.documentElement.scrollWidth} px of ${width}`);
    return out;
  });
}
