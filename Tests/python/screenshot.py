"""Opens a URL in Debian's chromium (selenium, headless) and saves a screenshot of the page.

Usage: screenshot.py URL OUT_PNG [WIDTH HEIGHT]. Prints the page's <main> id and exits 0; exits 1
with the reason when the page does not load.
"""
import sys

from selenium.webdriver.common.by import By

from browser_sso import browser


def main():
    url, out = sys.argv[1:3]
    width, height = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) > 4 else (1100, 900)
    driver = browser()
    try:
        driver.set_window_size(width, height)
        driver.get(url)
        main_element = driver.find_elements(By.CSS_SELECTOR, "main[id^=page-]")
        driver.save_screenshot(out)
        print(main_element[0].get_attribute("id") if main_element else "no page")
    except Exception as error:  # any failure is the answer
        print(f"error: {error}")
        return 1
    finally:
        driver.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
