<?php
// Demo ENT service written the way a PHP vendor writes one (Moodle, GLPI, ...): the application is
// its own CAS client, with phpCAS 1.6 as Debian ships it (php-cas, /usr/share/php/CAS.php), and
// nothing of Sesame's own. Apache gives the settings as environment (httpd.conf.in, <Directory
// phpcas>): Sesame's CAS base URL, the CA file of its certificate, this service's base URL and
// the file holding the session id salt.
declare(strict_types=1);

require_once 'CAS.php';

function h($value): string
{
    return htmlspecialchars((string) $value, ENT_QUOTES | ENT_SUBSTITUTE | ENT_HTML5, 'UTF-8');
}

function setting(string $name): string
{
    $value = $_SERVER[$name] ?? getenv($name);
    return is_string($value) ? $value : '';
}

function page(int $status, string $title, string $body): void
{
    http_response_code($status);
    header('Content-Type: text/html; charset=utf-8');
    header('Cache-Control: no-store');
    header('X-Content-Type-Options: nosniff');
    header("Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
    echo <<<HTML
<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{$title}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1rem auto; max-width: 48rem; padding: 0 1rem; color: #1a1a1a; background: #fff; line-height: 1.5; }
h1 { font-size: 1.5rem; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #666; padding: .4rem .6rem; text-align: left; vertical-align: top; word-break: break-word; }
th[scope=col] { background: #e8e8e8; }
td ul { margin: 0; padding-left: 1.2rem; }
.erreur { border-left: 4px solid #b00020; padding-left: .8rem; }
a { color: #0b4f9c; }
a:focus { outline: 3px solid #f5a623; outline-offset: 2px; }
</style>
</head>
<body>
<main>
{$body}
</main>
</body>
</html>

HTML;
}

// One attribute value as phpCAS gives it: a string, or a list for a multi-valued attribute.
function cell($value): string
{
    if (!is_array($value)) {
        return h($value);
    }
    $items = '';
    foreach ($value as $item) {
        $items .= '<li>' . cell($item) . '</li>';
    }
    return '<ul>' . $items . '</ul>';
}

$serviceName = setting('SESAME_SERVICE_NAME') ?: 'Application PHP (phpCAS)';
$cas = parse_url(setting('SESAME_CAS_BASE_URL'));
$serviceBaseUrl = setting('SESAME_SERVICE_BASE_URL');
$caFile = setting('SESAME_CAS_CA_FILE');
$salt = @file_get_contents(setting('SESAME_PHPCAS_SALT_FILE'));
if (!is_array($cas) || ($cas['scheme'] ?? '') !== 'https' || empty($cas['host'])
    || $serviceBaseUrl === '' || !is_file($caFile) || !is_string($salt) || strlen(trim($salt)) < 32) {
    error_log('phpcas demo: SESAME_CAS_BASE_URL (https), SESAME_SERVICE_BASE_URL, '
        . 'SESAME_CAS_CA_FILE and SESAME_PHPCAS_SALT_FILE must be set (etc/demo/apache/httpd.conf.in)');
    page(500, 'Service mal configuré', '<h1>Service mal configuré</h1><p class="erreur">'
        . 'La configuration CAS de ce service est incomplète : voir le journal d\'erreurs.</p>');
    exit;
}
$serviceUrl = $serviceBaseUrl . '/php/';

if (setting('SESAME_PHPCAS_DEBUG') !== '') {
    // Tests only (render.sh --debug): the trace holds tickets.
    @phpCAS::setDebug(setting('SESAME_PHPCAS_DEBUG'));
}
// phpCAS 1.6 requires the service base URL: it never builds the service URL from the request's
// Host header (CVE-2022-39369).
phpCAS::client(CAS_VERSION_3_0, $cas['host'], (int) ($cas['port'] ?? 443), $cas['path'] ?? '/cas',
    $serviceBaseUrl);
phpCAS::setLang(PHPCAS_LANG_FRENCH);
// Session ids are sha256(salt + ticket): the salt keeps them from being computed from a ticket.
phpCAS::setSessionIdSalt(trim($salt));
// Validation goes to https://<host>:<port>/cas/p3/serviceValidate, verified against this CA,
// host name included.
phpCAS::setCasServerCACert($caFile, true);
// Single logout: Sesame POSTs logoutRequest=<samlp:LogoutRequest> to the service URL; phpCAS reads
// the ticket in <samlp:SessionIndex> and destroys the session it named after that ticket. Only
// the listed senders are obeyed: phpCAS compares the sender's address (and its reverse DNS name)
// with each entry; the default list would be the CAS host name alone.
$logoutClients = preg_split('/[\s,]+/', setting('SESAME_LOGOUT_CLIENTS'), -1, PREG_SPLIT_NO_EMPTY);
phpCAS::handleLogoutRequests(true, $logoutClients ?: array($cas['host']));

if (isset($_GET['logout'])) {
    // Ends this session, then Sesame's (and every other service's, by single logout); Sesame
    // sends the browser back here only because this URL is a registered service.
    phpCAS::logoutWithRedirectService($serviceUrl);
}

try {
    phpCAS::forceAuthentication();
} catch (CAS_AuthenticationException $e) {
    // phpCAS refused the ticket (an unknown, used or forged one, or a failing CAS server). Its
    // message names the reason and the CAS error code; the lines with the ticket stay out.
    $reasons = array_filter(explode("\n", $e->getMessage()), function ($line) {
        return strpos($line, 'Authentication failure:') === 0 || strpos($line, 'Reason:') === 0;
    });
    error_log('phpcas demo: ' . implode(' / ', $reasons));
    $items = '';
    foreach ($reasons as $line) {
        $items .= '<li><code>' . h($line) . '</code></li>';
    }
    page(401, 'Connexion refusée — ' . h($serviceName),
        '<h1>Connexion refusée</h1><div class="erreur" role="alert"><p>phpCAS n\'a pas accepté '
        . 'le ticket reçu : vous n\'êtes pas connecté à ce service.</p><ul id="phpcas-error">'
        . $items . '</ul></div><p><a href="' . h($serviceUrl) . '">Réessayer</a></p>');
    exit;
}

$h = 'h';  // escapes inside the page's heredoc: {$h(...)}
$user = phpCAS::getUser();
$attributes = phpCAS::getAttributes();
ksort($attributes);
$rows = '';
foreach ($attributes as $name => $value) {
    $rows .= '<tr><th scope="row">' . h($name) . '</th><td>' . cell($value) . "</td></tr>\n";
}
$displayName = isset($attributes['displayName']) && is_string($attributes['displayName'])
    ? ' (' . h($attributes['displayName']) . ')' : '';

page(200, 'Service ENT de démonstration — ' . h($serviceName), <<<HTML
<h1>Service ENT de démonstration</h1>
<p>Service : <strong>{$h($serviceName)}</strong> (<code>{$h($serviceUrl)}</code>), client CAS phpCAS
{$h(phpCAS::getVersion())}.</p>
<p>Vous êtes connecté en tant que <strong id="remote-user">{$h($user)}</strong>{$displayName}.</p>
<table>
<caption>Attributs CAS reçus par phpCAS (<code>phpCAS::getAttributes()</code>)</caption>
<thead><tr><th scope="col">Attribut</th><th scope="col">Valeur</th></tr></thead>
<tbody>
{$rows}</tbody>
</table>
<p><a href="?logout=1">Se déconnecter</a></p>
HTML
);
