// End-to-end in a real browser: the part V notes app under `ngw2f serve -w 2`, driven in
// Debian's headless Chromium by playwright-core — sign up, log in, write a note, edit it, see
// the flash, delete it, log out — with one screenshot per step in test-artifacts/part_v_*.png.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chromium, type Page } from "playwright-core";
import { startCli } from "./_cli.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = new URL("../test-artifacts/", import.meta.url);
const WAIT = 10_000;

Deno.test({
  name: "part V notes app in Chromium: sign up, log in, create, edit, delete, log out",
  ignore: !existsSync(CHROMIUM),
  // playwright-core keeps its own timers and pipes alive between calls.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "ngw2f-part-v-browser-" });
    try {
      await using cli = await startCli(
        ["serve", "-w", "2", "-b", "127.0.0.1:0", "examples/part-V-flask/app.ts"],
        {
          env: {
            APP_SECRET_KEY: "browser-secret-key-0123456789abcdef",
            APP_DATABASE: `${dir}/notes.db`,
          },
          timeoutMs: WAIT,
        },
      );
      const base = `http://127.0.0.1:${cli.port}`;
      await Deno.mkdir(ARTIFACTS, { recursive: true });

      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        timeout: WAIT,
      });
      try {
        const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
        page.setDefaultTimeout(WAIT);
        page.setDefaultNavigationTimeout(WAIT);
        const problems: string[] = [];
        page.on("pageerror", (error) => problems.push(error.message));
        page.on("console", (message) => {
          if (message.type() === "error") problems.push(message.text());
        });
        let step = 0;
        const shot = async (name: string) => {
          const path = new URL(`part_v_${++step}_${name}.png`, ARTIFACTS).pathname;
          await page.screenshot({ path, fullPage: true, timeout: WAIT });
          assert.ok(Deno.statSync(path).size > 5_000, `${path} looks empty`);
        };

        // The home page sends a stranger to the login page, remembering where they were going.
        await page.goto(`${base}/`);
        assert.equal(new URL(page.url()).pathname, "/auth/login");
        assert.equal(new URL(page.url()).searchParams.get("next"), "/");
        await page.getByRole("link", { name: "Sign up" }).first().click();
        await page.waitForURL(`${base}/auth/signup`, { timeout: WAIT });

        // Sign up.
        await page.getByLabel("Username").fill("ada");
        await page.getByLabel("Password").fill("analytical engine");
        await shot("signup");
        await page.getByRole("button", { name: "Create account" }).click();
        await page.waitForURL(/\/auth\/login\?username=ada$/, { timeout: WAIT });
        await expectFlash(page, "Account created for ada. Log in to start writing.");
        assert.equal(await page.getByLabel("Username").inputValue(), "ada");

        // Log in.
        await page.getByLabel("Password").fill("analytical engine");
        await shot("login");
        await page.getByRole("button", { name: "Log in" }).click();
        await page.waitForURL(`${base}/`, { timeout: WAIT });
        await expectFlash(page, "Logged in as ada.");
        assert.equal(await page.locator("header .who").textContent(), "ada");
        await page.getByText("No notes yet.").waitFor({ timeout: WAIT });
        await shot("logged_in");

        // Create a note.
        await page.getByRole("link", { name: "New note" }).click();
        await page.waitForURL(`${base}/new`, { timeout: WAIT });
        await page.getByLabel("Title").fill("Shopping");
        await page.getByLabel("Note").fill("eggs\nflour\nsugar");
        await shot("new_note");
        await page.getByRole("button", { name: "Save" }).click();
        await page.waitForURL(`${base}/`, { timeout: WAIT });
        await expectFlash(page, "Note saved.");
        const note = page.locator("article.note");
        assert.equal(await note.count(), 1);
        assert.equal(await note.locator("h2").textContent(), "Shopping");
        assert.equal(await note.locator(".body").textContent(), "eggs\nflour\nsugar");
        await shot("created");

        // Edit it.
        await note.getByRole("link", { name: "Edit" }).click();
        await page.waitForURL(/\/\d+\/edit$/, { timeout: WAIT });
        assert.equal(await page.getByLabel("Title").inputValue(), "Shopping");
        await page.getByLabel("Title").fill("Shopping for the cake");
        await page.getByLabel("Note").fill("eggs\nflour\nsugar\nbutter");
        await shot("edit");
        await page.getByRole("button", { name: "Save" }).click();
        await page.waitForURL(`${base}/`, { timeout: WAIT });
        await expectFlash(page, "Note saved.");
        assert.equal(await note.locator("h2").textContent(), "Shopping for the cake");
        assert.match((await note.locator(".body").textContent())!, /butter$/);
        await shot("edited");

        // Delete it.
        await note.getByRole("button", { name: "Delete" }).click();
        await page.waitForURL(`${base}/`, { timeout: WAIT });
        await expectFlash(page, "Note deleted.");
        assert.equal(await page.locator("article.note").count(), 0);
        await page.getByText("No notes yet.").waitFor({ timeout: WAIT });
        await shot("deleted");

        // Log out: back to the login page, and the notes are closed again.
        await page.getByRole("button", { name: "Log out" }).click();
        await page.waitForURL(`${base}/auth/login`, { timeout: WAIT });
        await expectFlash(page, "Logged out.");
        await shot("logged_out");
        await page.goto(`${base}/`);
        assert.equal(new URL(page.url()).pathname, "/auth/login");

        // The stylesheet applied (the flash box and the layout's column).
        const width = await page.evaluate(
          `getComputedStyle(document.querySelector("main")).maxWidth`,
        );
        assert.equal(width, "672px", "42rem from static/style.css");
        assert.deepEqual(problems, []);
      } finally {
        await browser.close();
      }
      assert.equal(await cli.stop("SIGTERM"), 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** Waits (bounded) for a flashed message with exactly this text. */
async function expectFlash(page: Page, text: string): Promise<void> {
  await page.locator("p.flash", { hasText: text }).waitFor({ state: "visible", timeout: WAIT });
}
