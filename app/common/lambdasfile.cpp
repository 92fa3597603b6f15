#include "lambdasfile.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace rnnloss {

namespace {

constexpr std::size_t kMaxFileBytes = 1 << 20;

struct BadJson : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

/// A flat JSON object of strings and numbers: all a lambda export holds.
class FlatJson
{
public:
    explicit FlatJson(std::string_view text) : m_text(text) {}

    struct Value
    {
        bool isString = false;
        std::string text; ///< the string, or the number as written
        double number = 0.0;
    };

    template <class Fn> void parse(Fn&& onMember)
    {
        skipSpace();
        expect('{');
        skipSpace();
        if (peek() == '}') {
            ++m_pos;
        } else {
            for (;;) {
                skipSpace();
                const std::string key = string();
                skipSpace();
                expect(':');
                skipSpace();
                onMember(key, value(key));
                skipSpace();
                if (peek() == ',') {
                    ++m_pos;
                    continue;
                }
                expect('}');
                break;
            }
        }
        skipSpace();
        if (m_pos != m_text.size())
            throw BadJson("text after the closing '}' at offset " + std::to_string(m_pos));
    }

private:
    char peek() const { return m_pos < m_text.size() ? m_text[m_pos] : '\0'; }
    void skipSpace()
    {
        while (m_pos < m_text.size() && std::isspace(static_cast<unsigned char>(m_text[m_pos])))
            ++m_pos;
    }
    void expect(char c)
    {
        if (peek() != c)
            throw BadJson(std::string("expected '") + c + "' at offset " + std::to_string(m_pos));
        ++m_pos;
    }
    std::string string()
    {
        expect('"');
        std::string s;
        while (m_pos < m_text.size() && m_text[m_pos] != '"') {
            char c = m_text[m_pos++];
            if (c == '\\') {
                if (m_pos >= m_text.size())
                    break;
                c = m_text[m_pos++];
                if (c == 'u')
                    throw BadJson("\\u escapes are not expected in a lambda file");
                static const std::string_view from = "\"\\/bfnrt", to = "\"\\/\b\f\n\r\t";
                const auto at = from.find(c);
                if (at == std::string_view::npos)
                    throw BadJson(std::string("bad escape \\") + c);
                c = to[at];
            }
            s += c;
        }
        expect('"');
        return s;
    }
    Value value(const std::string& key)
    {
        Value v;
        if (peek() == '"') {
            v.isString = true;
            v.text = string();
            return v;
        }
        const std::size_t start = m_pos;
        while (m_pos < m_text.size() &&
               std::string_view("+-.0123456789eE").find(m_text[m_pos]) != std::string_view::npos)
            ++m_pos;
        v.text = std::string(m_text.substr(start, m_pos - start));
        if (v.text.empty()) {
            // true, false, null, arrays, objects: not what an export holds.
            std::size_t end = m_pos;
            while (end < m_text.size() && std::isalpha(static_cast<unsigned char>(m_text[end])))
                ++end;
            v.text = end > m_pos ? std::string(m_text.substr(m_pos, end - m_pos))
                                 : std::string(1, peek());
            throw BadJson("\"" + key + "\"'s value " + v.text +
                          " is not a number or a string, as a lambda file holds");
        }
        char* end = nullptr;
        v.number = std::strtod(v.text.c_str(), &end);
        if (end != v.text.c_str() + v.text.size())
            throw BadJson("'" + v.text + "' is not a number");
        return v;
    }

    std::string_view m_text;
    std::size_t m_pos = 0;
};

} // namespace

LambdaSettingsResult parseLambdaSettings(std::string_view json, const std::string& name)
{
    LambdaSettingsResult out;
    LambdaSettings settings;
    std::string error;
    try {
        FlatJson(json).parse([&](const std::string& key, const FlatJson::Value& v) {
            if (!error.empty())
                return;
            if (key == "convention") {
                settings.convention = v.isString ? conventionFromName(v.text) : std::nullopt;
                if (!settings.convention)
                    error = "\"convention\" is " + (v.isString ? "\"" + v.text + "\"" : v.text) +
                            ", expected \"nn4n\" or \"spec\"";
                return;
            }
            if (key.rfind("lambda_", 0) != 0)
                return;
            const auto term = termFromKey(key);
            if (!term) {
                error = "unknown key \"" + key +
                        "\" (one of lambda_mse, lambda_in, lambda_hid, lambda_out, lambda_fr, "
                        "lambda_fr_sd, lambda_fr_cv)";
                return;
            }
            if (v.isString || !std::isfinite(v.number) || v.number < 0) {
                error = "\"" + key + "\" is " + (v.isString ? "\"" + v.text + "\"" : v.text) +
                        ", not a finite number >= 0";
                return;
            }
            settings.lambdas[index(*term)] = v.number;
        });
    } catch (const BadJson& e) {
        error = std::string("not a lambda file (a JSON object of lambdas, as File > Export "
                            "lambdas writes): ") +
                e.what();
    }
    if (!error.empty()) {
        out.error = name + ": " + error;
        return out;
    }
    out.value = settings;
    return out;
}

LambdaSettingsResult readLambdaSettings(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        LambdaSettingsResult r;
        r.error = path + ": cannot open the lambda file";
        return r;
    }
    std::string text(kMaxFileBytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxFileBytes) {
        LambdaSettingsResult r;
        r.error = path + ": larger than 1 MiB, not a lambda file";
        return r;
    }
    return parseLambdaSettings(text, path);
}

void applyLambdaSettings(const LambdaSettings& file, LossOptions& opts)
{
    for (Term t : kAllTerms)
        if (!opts.lambdas[index(t)])
            opts.lambdas[index(t)] = file.lambdas[index(t)];
    if (!opts.convention)
        opts.convention = file.convention;
}

} // namespace rnnloss
