#pragma once
// Lets Catch print a Result<T> in failure messages ("ok" or the error's message) whatever T is:
// boost::system::result's own operator<< needs a printable T and breaks the build otherwise.
#include <boost/system/result.hpp>
#include <catch2/catch.hpp>

namespace Catch {
template <class T>
struct StringMaker<boost::system::result<T, boost::system::error_code>> {
    static std::string convert(const boost::system::result<T, boost::system::error_code>& r) {
        return r ? std::string("ok") : "error: " + r.error().message();
    }
};
}  // namespace Catch
