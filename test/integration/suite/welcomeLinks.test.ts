import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { closeAllEditors, stagecraftExtension } from '../support';
import { screenshot } from '../support/screenshot';

interface Contributes {
  viewsWelcome: Array<{ view: string; contents: string }>;
  walkthroughs: Array<{ steps: Array<{ id: string; description: string; media: { markdown?: string; image?: string } }> }>;
}

/** Every Markdown link target in `text`: `[title](target)` and `![alt](target)`. */
function linkTargets(text: string): string[] {
  return [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map(m => m[1]);
}

/** Issue 18, item 9: the welcome view and the walkthrough link only to what is there. */
describe('the welcome view and walkthrough links', () => {
  afterEach(closeAllEditors);

  it('every link in viewsWelcome and the walkthrough (steps and their Markdown) goes to a registered command or a bundled file', async () => {
    const extension = stagecraftExtension();
    if (!extension.isActive) await extension.activate();
    const contributes = extension.packageJSON.contributes as Contributes;
    const registered = new Set(await vscode.commands.getCommands(true));
    const sources: Array<{ where: string; text: string; base: string }> = [
      ...contributes.viewsWelcome.map(w => ({ where: `viewsWelcome ${w.view}`, text: w.contents, base: extension.extensionPath })),
      ...contributes.walkthroughs.flatMap(w =>
        w.steps.flatMap(step => {
          const media = step.media.markdown ?? step.media.image;
          assert.ok(media, `walkthrough step ${step.id} has media`);
          const file = path.join(extension.extensionPath, media);
          assert.ok(existsSync(file), `walkthrough step ${step.id}: ${media} is bundled`);
          return [
            { where: `walkthrough step ${step.id}`, text: step.description, base: extension.extensionPath },
            ...(step.media.markdown ? [{ where: media, text: readFileSync(file, 'utf8'), base: path.dirname(file) }] : []),
          ];
        }),
      ),
    ];
    const links = sources.flatMap(s => linkTargets(s.text).map(target => ({ ...s, target })));
    assert.ok(links.filter(l => l.target.startsWith('command:')).length >= 8, `the welcome view and walkthrough link to commands (found ${links.length} links)`);
    const broken = links.filter(({ target, base }) => {
      if (target.startsWith('command:')) return !registered.has(target.slice('command:'.length).split('?')[0]);
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return true; // the web (example.invalid and all): not bundled, may not be there
      return !existsSync(path.resolve(base, decodeURI(target.split('#')[0])));
    });
    assert.deepEqual(broken.map(l => `${l.where}: ${l.target}`), [], 'links that go nowhere');

    // The README link opens the README shipped with the extension.
    await vscode.commands.executeCommand('stagecraft.openReadme');
    await vscode.commands.executeCommand('stagecraft.openWalkthrough');
    await screenshot('18-9-welcome-links', 'Get started with Stagecraft');
  });
});
