// Steps several end-to-end tests take the same way, through the UI as a
// person would: create a project by name, import a folder through the
// folder input and wait for its report.
import type { Locator, Page } from 'playwright-core';

export const IMPORT_TIMEOUT_MS = 10 * 60_000;

/** From the start screen, or from the project menu when a project is open. */
export async function createProject(page: Page, name: string): Promise<void> {
  if ((await page.getByTestId('workspace').count()) > 0) {
    await page.getByTestId('project-menu-button').click();
    await page.getByTestId('menu-new').click();
  }
  await page.getByTestId('new-project-name').fill(name);
  await page.getByTestId('new-project-create').click();
  await page.locator(`[data-testid="project-name"]:text-is("${name}")`).waitFor();
}

/**
 * Hands a folder to the hidden folder input, as Add folder does; returns
 * once the import shows progress, or its report: a few files (duplicates,
 * say) can be done before a progress panel is ever drawn.
 */
export async function startFolderImport(page: Page, folder: string): Promise<void> {
  await page.getByTestId('folder-input').setInputFiles(folder);
  await page.locator('[data-testid="import-progress"], [data-testid="import-report"]').first().waitFor();
}

export async function waitForImportReport(page: Page): Promise<Locator> {
  const report = page.getByTestId('import-report');
  await report.waitFor({ timeout: IMPORT_TIMEOUT_MS });
  return report;
}

export async function closeImportReport(page: Page): Promise<void> {
  await page.getByTestId('import-report-close').click();
  await page.getByTestId('import-report').waitFor({ state: 'detached' });
}

/** A whole folder import, for tests that only need the images in. */
export async function importFolder(page: Page, folder: string): Promise<void> {
  await startFolderImport(page, folder);
  await waitForImportReport(page);
  await closeImportReport(page);
}
