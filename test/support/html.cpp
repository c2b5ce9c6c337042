#include "test/support/html.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include "test/support/harness_error.hpp"

namespace sesame::testing {
namespace {

char lower(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

std::string toLower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), lower);
    return out;
}

// Case-insensitive search, as HTML tag names are.
std::size_t findNoCase(std::string_view hay, std::string_view needle, std::size_t from = 0) {
    if (needle.empty()) return from;
    for (std::size_t i = from; i + needle.size() <= hay.size(); ++i) {
        bool ok = true;
        for (std::size_t j = 0; j < needle.size() && ok; ++j)
            ok = lower(hay[i + j]) == lower(needle[j]);
        if (ok) return i;
    }
    return std::string_view::npos;
}

void appendUtf8(std::string& out, unsigned long cp) {
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

struct Tag {
    std::string name;                               // lower case, "/form" for an end tag
    std::map<std::string, std::string> attributes;  // names lower case, values decoded
    std::size_t end = 0;                            // index just past '>'
};

// Parses the tag that starts at html[at] == '<'.
Tag parseTag(std::string_view html, std::size_t at) {
    Tag tag;
    std::size_t i = at + 1;
    auto isName = [](char c) {
        return !std::isspace(static_cast<unsigned char>(c)) && c != '>' && c != '/' && c != '=';
    };
    if (i < html.size() && html[i] == '/') {
        tag.name = "/";
        ++i;
    }
    while (i < html.size() && isName(html[i])) tag.name += lower(html[i++]);
    while (i < html.size() && html[i] != '>') {
        if (std::isspace(static_cast<unsigned char>(html[i])) || html[i] == '/') {
            ++i;
            continue;
        }
        std::string name;
        while (i < html.size() && isName(html[i])) name += lower(html[i++]);
        if (name.empty()) {
            ++i;
            continue;
        }
        while (i < html.size() && std::isspace(static_cast<unsigned char>(html[i]))) ++i;
        std::string value;
        if (i < html.size() && html[i] == '=') {
            ++i;
            while (i < html.size() && std::isspace(static_cast<unsigned char>(html[i]))) ++i;
            if (i < html.size() && (html[i] == '"' || html[i] == '\'')) {
                char quote = html[i++];
                auto close = html.find(quote, i);
                if (close == std::string_view::npos) close = html.size();
                value = std::string(html.substr(i, close - i));
                i = std::min(close + 1, html.size());
            } else {
                while (i < html.size() && !std::isspace(static_cast<unsigned char>(html[i])) &&
                       html[i] != '>')
                    value += html[i++];
            }
        }
        tag.attributes.emplace(name, decodeEntities(value));
    }
    tag.end = std::min(i + 1, html.size());
    return tag;
}

std::string attr(const Tag& t, const std::string& name) {
    auto it = t.attributes.find(name);
    return it == t.attributes.end() ? "" : it->second;
}

HtmlForm parseForm(std::string_view html, const Tag& formTag, std::size_t bodyEnd) {
    HtmlForm form;
    form.action = attr(formTag, "action");
    form.method = toLower(attr(formTag, "method"));
    std::transform(form.method.begin(), form.method.end(), form.method.begin(), ::toupper);
    if (form.method.empty()) form.method = "GET";
    std::size_t i = formTag.end;
    while ((i = html.find('<', i)) != std::string_view::npos && i < bodyEnd) {
        Tag tag = parseTag(html, i);
        i = tag.end;
        const std::string name = attr(tag, "name");
        if (tag.name == "input" && !name.empty()) {
            std::string type = toLower(attr(tag, "type"));
            if (type == "submit" || type == "reset" || type == "button" || type == "image" ||
                type == "file")
                continue;
            if ((type == "checkbox" || type == "radio") && !tag.attributes.count("checked"))
                continue;
            std::string value = attr(tag, "value");
            if ((type == "checkbox" || type == "radio") && !tag.attributes.count("value"))
                value = "on";
            form.fields.emplace_back(name, value);
        } else if (tag.name == "textarea" && !name.empty()) {
            auto close = findNoCase(html, "</textarea", i);
            form.fields.emplace_back(name, decodeEntities(html.substr(i, close - i)));
            i = close;
        } else if (tag.name == "select" && !name.empty()) {
            auto close = findNoCase(html, "</select", i);
            std::optional<std::string> first, selected;
            for (std::size_t j = i; (j = html.find('<', j)) < close;) {
                Tag option = parseTag(html, j);
                j = option.end;
                if (option.name != "option") continue;
                std::string value;
                if (option.attributes.count("value")) {
                    value = attr(option, "value");
                } else {
                    auto next = html.find('<', j);
                    value = textContent(html.substr(j, next - j));
                }
                if (!first) first = value;
                if (option.attributes.count("selected") && !selected) selected = value;
            }
            if (selected || first) form.fields.emplace_back(name, selected ? *selected : *first);
            i = close;
        }
    }
    return form;
}

}  // namespace

std::optional<std::string> HtmlForm::value(std::string_view name) const {
    for (const auto& [k, v] : fields) {
        if (k == name) return v;
    }
    return std::nullopt;
}

HtmlForm& HtmlForm::set(std::string_view name, std::string_view value) {
    for (auto& [k, v] : fields) {
        if (k == name) {
            v = std::string(value);
            return *this;
        }
    }
    fields.emplace_back(std::string(name), std::string(value));
    return *this;
}

std::vector<HtmlForm> allForms(std::string_view html) {
    std::vector<HtmlForm> forms;
    std::size_t at = 0;
    while ((at = findNoCase(html, "<form", at)) != std::string_view::npos) {
        Tag tag = parseTag(html, at);
        if (tag.name != "form") {
            at = tag.end;
            continue;
        }
        auto close = findNoCase(html, "</form", tag.end);
        if (close == std::string_view::npos) close = html.size();
        forms.push_back(parseForm(html, tag, close));
        at = close;
    }
    return forms;
}

std::optional<HtmlForm> findForm(std::string_view html, std::string_view actionSubstring) {
    for (auto& form : allForms(html)) {
        if (form.action.find(actionSubstring) != std::string::npos) return form;
    }
    return std::nullopt;
}

std::optional<HtmlForm> findForm(std::string_view html, std::size_t index) {
    auto forms = allForms(html);
    if (index >= forms.size()) return std::nullopt;
    return forms[index];
}

std::string decodeEntities(std::string_view text) {
    static const std::map<std::string, std::string, std::less<>> named = {
        {"amp", "&"},   {"lt", "<"},   {"gt", ">"},
        {"quot", "\""}, {"apos", "'"}, {"nbsp", "\xC2\xA0"}};
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '&') {
            out += text[i];
            continue;
        }
        auto semi = text.find(';', i);
        if (semi == std::string_view::npos || semi - i > 12) {
            out += '&';
            continue;
        }
        std::string_view ref = text.substr(i + 1, semi - i - 1);
        if (!ref.empty() && ref[0] == '#') {
            bool hex = ref.size() > 1 && (ref[1] == 'x' || ref[1] == 'X');
            std::string digits(ref.substr(hex ? 2 : 1));
            bool valid =
                !digits.empty() && std::all_of(digits.begin(), digits.end(), [hex](char c) {
                    return hex ? std::isxdigit(static_cast<unsigned char>(c)) != 0
                               : std::isdigit(static_cast<unsigned char>(c)) != 0;
                });
            if (valid) {
                appendUtf8(out, std::stoul(digits, nullptr, hex ? 16 : 10));
                i = semi;
                continue;
            }
        } else if (auto it = named.find(ref); it != named.end()) {
            out += it->second;
            i = semi;
            continue;
        }
        out += '&';
    }
    return out;
}

std::string textContent(std::string_view html) {
    std::string text;
    std::size_t i = 0;
    while (i < html.size()) {
        if (html[i] != '<') {
            auto next = html.find('<', i);
            if (next == std::string_view::npos) next = html.size();
            text += decodeEntities(html.substr(i, next - i));
            i = next;
            continue;
        }
        if (html.substr(i, 4) == "<!--") {
            auto end = html.find("-->", i + 4);
            i = end == std::string_view::npos ? html.size() : end + 3;
            continue;
        }
        Tag tag = parseTag(html, i);
        i = tag.end;
        if (tag.name == "script" || tag.name == "style" || tag.name == "title") {
            auto end = findNoCase(html, "</" + tag.name, i);
            i = end == std::string_view::npos ? html.size() : parseTag(html, end).end;
        }
        text += ' ';
    }
    std::string collapsed;
    bool space = false;
    for (char c : text) {
        if (std::isspace(static_cast<unsigned char>(c))) {
            space = !collapsed.empty();
            continue;
        }
        if (space) collapsed += ' ';
        space = false;
        collapsed += c;
    }
    return collapsed;
}

std::string encodeEntities(std::string_view text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> tableRows(std::string_view html,
                                                           std::string_view id) {
    const auto table = html.find("<table id=\"" + std::string(id) + "\"");
    if (table == std::string_view::npos)
        throw HarnessError("not the expected page (no table " + std::string(id) + "):\n" +
                           std::string(html.substr(0, 2000)));
    const auto end = html.find("</table>", table);
    const std::string_view rowStart = "<tr><th scope=\"row\">", middle = "</th><td>",
                           rowEnd = "</td></tr>";
    std::vector<std::pair<std::string, std::string>> rows;
    for (auto at = html.find(rowStart, table); at < end; at = html.find(rowStart, at)) {
        at += rowStart.size();
        const auto mid = html.find(middle, at), stop = html.find(rowEnd, mid);
        if (mid == std::string_view::npos || stop == std::string_view::npos) break;
        rows.emplace_back(
            decodeEntities(html.substr(at, mid - at)),
            decodeEntities(html.substr(mid + middle.size(), stop - mid - middle.size())));
        at = stop;
    }
    return rows;
}

std::string elementText(std::string_view html, std::string_view open, std::string_view close) {
    const auto at = html.find(open);
    if (at == std::string_view::npos) return {};
    const auto end = html.find(close, at + open.size());
    return decodeEntities(html.substr(at + open.size(), end - at - open.size()));
}

}  // namespace sesame::testing
