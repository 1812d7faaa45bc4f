/** The page's style: a dark console-like look, panels in a grid, a colour per Xvisor VCPU state. */
export const PAGE_CSS = `
:root { color-scheme: dark; --bg: #15181c; --panel: #1e2228; --line: #343a42; --fg: #d8dde3; --dim: #8b949e; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 13px/1.4 system-ui, sans-serif; }
header { display: flex; gap: 16px; align-items: baseline; padding: 8px 16px; border-bottom: 1px solid var(--line); }
header h1 { font-size: 18px; margin: 0; }
#banner { color: var(--dim); flex: 1; }
#clock { font-family: ui-monospace, monospace; }
#conn { padding: 1px 8px; border-radius: 8px; background: #2f6f3e; }
#conn.down { background: #7a2e2e; }
main { display: grid; grid-template-columns: minmax(320px, 1fr) minmax(420px, 2fr); gap: 12px; padding: 12px 16px; }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; min-width: 0; }
section h2 { font-size: 14px; margin: 0 0 8px; }
section h2 small { color: var(--dim); font-weight: normal; }
#timeline-panel, #consoles-panel, #events-panel { grid-column: 1 / -1; }
.numa { border: 1px dashed var(--line); border-radius: 4px; padding: 4px 6px; margin-bottom: 6px; }
.numa > .label, .core > .label { color: var(--dim); font-size: 11px; }
.cores { display: flex; gap: 6px; flex-wrap: wrap; }
.core { border: 1px solid var(--line); border-radius: 4px; padding: 4px; }
.cpu { display: inline-block; vertical-align: top; min-width: 92px; margin: 2px; padding: 4px 6px; background: #262b33; border-radius: 4px; }
.cpu b { display: block; }
.cpu .placed { display: block; margin-top: 2px; padding: 0 4px; border-radius: 3px; color: #111; font-size: 11px; }
.guest { border-left: 6px solid var(--dim); padding: 4px 8px; margin-bottom: 10px; background: #232830; border-radius: 4px; }
.guest h3 { margin: 0 0 4px; font-size: 14px; display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
.guest h3 .name { margin-right: 8px; }
button { background: #2d333b; color: var(--fg); border: 1px solid #444c56; border-radius: 4px; padding: 2px 8px; cursor: pointer; font-size: 12px; }
button:hover { background: #373e47; }
button[data-op=destroy] { border-color: #8e3b3b; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; font-family: ui-monospace, monospace; font-size: 12px; }
th, td { text-align: left; padding: 1px 6px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
th:nth-child(1), th:nth-child(4), th:nth-child(5) { width: 9%; } th:nth-child(2) { width: 32%; } th:nth-child(3) { width: 16%; }
th { color: var(--dim); font-weight: normal; }
.state { padding: 0 6px; border-radius: 3px; }
.state-Running { background: #2f6f3e; } .state-Ready { background: #2b5278; } .state-Paused { background: #8a6d1d; }
.state-Halted { background: #7a2e2e; } .state-Reset { background: #444c56; }
#op-status { color: var(--dim); margin: 4px 0 0; white-space: pre-wrap; }
#timeline { width: 100%; display: block; background: #111418; border-radius: 4px; }
#legend { margin-top: 4px; display: flex; gap: 14px; flex-wrap: wrap; }
#legend span::before { content: ""; display: inline-block; width: 11px; height: 11px; margin-right: 4px; vertical-align: -1px; background: var(--c); }
#consoles { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 10px; }
.console .title { font-family: ui-monospace, monospace; margin-bottom: 2px; }
.console .title i { display: inline-block; width: 10px; height: 10px; margin-right: 6px; background: var(--c); }
.console .term { padding: 4px; background: #000; border-radius: 4px; }
#events { max-height: 120px; overflow: auto; margin: 0; font-size: 12px; color: var(--dim); }
`;
