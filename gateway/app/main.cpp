// sesame: the identity federation and single sign-on gateway for ENTs. See README.md.
#include <exception>
#include <iostream>

#include "gateway/app/commands.hpp"

int main(int argc, char** argv) {
    try {
        return sesame::app::runCommand(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const std::exception& e) {
        std::cerr << "sesame: " << e.what() << "\n";
        return 1;
    }
}
