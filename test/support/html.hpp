#pragma once
// Just enough HTML reading for tests to act like a person: find a form and submit it with its
// hidden fields (CSRF token, flow state), and read the text a person would see.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sesame::testing {

struct HtmlForm {
    std::string action;  // as written (resolve it with resolveUrl against the page's URL)
    std::string method;  // upper case, "GET" when absent
    // Successful controls in document order: inputs (hidden included; checkboxes and radios only
    // when checked; no submit/reset/button/image/file), selects (selected or first option),
    // textareas.
    std::vector<std::pair<std::string, std::string>> fields;

    std::optional<std::string> value(std::string_view name) const;
    bool has(std::string_view name) const { return value(name).has_value(); }
    // Replaces the first field called `name`, or appends it.
    HtmlForm& set(std::string_view name, std::string_view value);
};

// The first form whose action contains `actionSubstring` ("" matches any form).
std::optional<HtmlForm> findForm(std::string_view html, std::string_view actionSubstring);
// The index-th form of the page, from 0.
std::optional<HtmlForm> findForm(std::string_view html, std::size_t index);
std::vector<HtmlForm> allForms(std::string_view html);

// Visible text: no tags, scripts, styles or comments; entities decoded; whitespace collapsed.
std::string textContent(std::string_view html);
// &amp; &lt; &gt; &quot; &apos; &nbsp; and numeric references (to UTF-8).
std::string decodeEntities(std::string_view text);
// & < > " as &amp; &lt; &gt; &quot;: text safe inside an element or a quoted attribute, in HTML
// and in XML.
std::string encodeEntities(std::string_view text);

// The rows of the table with this id (<table id="...">), each `<tr><th scope="row">name</th>
// <td>value</td></tr>` as (name, value), entities decoded, in order: the pages of the harness's
// service providers show what they received that way. Throws HarnessError when there is no such
// table (another page: an IdP's, an error page).
std::vector<std::pair<std::string, std::string>> tableRows(std::string_view html,
                                                           std::string_view id);
// The text between the first `open` and the next `close`, entities decoded ("" when absent).
std::string elementText(std::string_view html, std::string_view open, std::string_view close);

}  // namespace sesame::testing
