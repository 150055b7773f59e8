// Package webtest helps tests drive the panel in a real browser: Debian's
// chromium, headless, through chromedp. Only tests import it.
package webtest
