/**
 * Layout pieces several screens share, so they look the same because they are the same
 * rules: the centered single-column screen (first launch, linking a device), the padded
 * page that scrolls in the main pane (contacts, a contact, devices) and the Back link that
 * headers show on phone-sized screens.
 */
import { css, unsafeCSS } from 'lit';

/**
 * The one breakpoint of the app: at or under it a screen is phone-sized (one column, Back
 * links, sheets at the bottom). Scripts use it with `matchMedia`, styles with `phoneScreen`.
 */
export const PHONE_QUERY = '(max-width: 700px)';
/** `PHONE_QUERY` for a `@media` rule in `css`. */
export const phoneScreen = unsafeCSS(PHONE_QUERY);

/** The host fills the space under the app bar and scrolls; `main` centers one column. */
export const centeredScreen = css`
  :host {
    display: block;
    flex: 1;
    overflow-y: auto;
  }
  /* Flex, not grid: a percentage width must resolve against the screen, not the content. */
  main {
    display: flex;
    flex-direction: column;
    justify-content: center;
    align-items: center;
    min-height: 100%;
    padding: 1.5rem;
    box-sizing: border-box;
  }
`;

/** The host fills the main pane, padded, and scrolls (a list or detail page). */
export const paneScreen = css`
  :host {
    display: block;
    overflow-y: auto;
    height: 100%;
    padding: 1rem 1.25rem;
    box-sizing: border-box;
  }
`;

/** The rows of a pane page's list (contacts, devices): one item a line, parted by a rule. */
export const paneList = css`
  ul {
    list-style: none;
    padding: 0;
  }
  li {
    display: flex;
    gap: 0.75rem;
    align-items: center;
    padding: 0.6rem 0;
    border-bottom: 1px solid var(--pl-border);
    flex-wrap: wrap;
  }
`;

/** `a.back`: the ← link of a header, shown only on phone-sized screens. */
export const backLink = css`
  .back {
    display: none;
    flex: none;
    padding: 0.3rem 0.5rem;
    border-radius: var(--pl-radius);
    color: inherit;
    text-decoration: none;
    font-size: 1.2rem;
    line-height: 1;
  }
  @media ${phoneScreen} {
    .back {
      display: inline-block;
    }
  }
`;
