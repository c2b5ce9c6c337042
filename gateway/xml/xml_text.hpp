#pragma once
// Writing values into XML: escaping alone is not enough, since a value with a control
// character or broken UTF-8 (from a directory, or from a request parameter) would make the
// whole document ill-formed and a client parser refuse it (XML 1.0 §2.2 "Char").
#include <string>
#include <string_view>

namespace sesame::xml {

// Valid UTF-8, invalid sequences replaced by U+FFFD.
std::string validUtf8(std::string_view text);
// Text or attribute content: & < > " ' escaped, characters XML 1.0 forbids (C0 controls
// other than tab, LF, CR) dropped, invalid UTF-8 replaced by U+FFFD.
std::string escape(std::string_view text);
// Whether `name` can be written as an element name (an NCName, ASCII subset: a letter or '_'
// first, then letters, digits, '_', '-', '.'). Names that are not are never written out.
bool isNcName(std::string_view name);

}  // namespace sesame::xml
