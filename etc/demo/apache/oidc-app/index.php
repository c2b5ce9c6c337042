<?php
// The protected page of the demo's OpenID Connect relying party (/oidc-app/, mod_auth_openidc,
// etc/demo/apache/oidc-app.conf.in) and of the harness's (test/support OpenidcService): who it
// authenticated, the claims of the ID token and those of Sesame's UserInfo answer (where the
// scopes' ENT claims are), one row per value, in tables that sesame::testing::readOpenidcPage()
// reads back.
// mod_auth_openidc leaves them in Apache's subprocess environment (OIDCPassClaimsAs environment),
// which mod_php exposes as $_SERVER: OIDC_id_token_payload (OIDCPassIDTokenAs payload) and
// OIDC_userinfo_json (OIDCPassUserInfoAs json), each the JSON object as received.
// "Se déconnecter" is mod_auth_openidc's <redirect_uri>?logout=<url>: its session ends, then
// Sesame's end_session endpoint ends the SSO session and comes back to <url>.
header('Content-Type: text/html; charset=utf-8');
header('Cache-Control: no-store');
header('X-Content-Type-Options: nosniff');

function h($s) { return htmlspecialchars((string)$s, ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8'); }

// name => list of values, in the order received; a non-string value shown as JSON.
function claimRows($json) {
    $claims = json_decode($json ?? '', true);
    if (!is_array($claims)) return [];
    $rows = [];
    foreach ($claims as $name => $value) {
        $values = is_array($value) && array_is_list($value) ? $value : [$value];
        foreach ($values as $v)
            $rows[$name][] = is_string($v) ? $v : json_encode($v, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
    }
    return $rows;
}

$tables = [
    'id-token' => ['Jeton d\'identité (ID token)', claimRows($_SERVER['OIDC_id_token_payload'] ?? null)],
    'userinfo' => ['Réponse UserInfo (les claims des scopes accordés)', claimRows($_SERVER['OIDC_userinfo_json'] ?? null)],
];
$title = getenv('SESAME_SERVICE_NAME') ?: 'Service OpenID Connect';
$logout = getenv('SESAME_RP_REDIRECT_URI') . '?logout=' . rawurlencode(getenv('SESAME_RP_LOGGED_OUT_URL'));
?>
<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><?= h($title) ?></title>
<style>
body { font-family: system-ui, sans-serif; margin: 1rem auto; max-width: 48rem; padding: 0 1rem; color: #1a1a1a; background: #fff; line-height: 1.5; }
h1 { font-size: 1.5rem; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1rem; }
caption { text-align: left; font-weight: bold; }
th, td { border: 1px solid #666; padding: .4rem .6rem; text-align: left; vertical-align: top; word-break: break-word; }
th[scope=col] { background: #e8e8e8; }
a { color: #0b4f9c; }
a:focus { outline: 3px solid #f5a623; outline-offset: 2px; }
</style>
</head>
<body>
<main>
<h1><?= h($title) ?></h1>
<p>Connecté en tant que <strong id="remote-user"><?= h($_SERVER['REMOTE_USER'] ?? '') ?></strong>.</p>
<?php foreach ($tables as $id => [$caption, $rows]) { ?>
<table id="<?= h($id) ?>">
<caption><?= h($caption) ?></caption>
<thead><tr><th scope="col">Nom</th><th scope="col">Valeur</th></tr></thead>
<tbody>
<?php foreach ($rows as $name => $values) foreach ($values as $value) { ?>
<tr><th scope="row"><?= h($name) ?></th><td><?= h($value) ?></td></tr>
<?php } ?>
</tbody>
</table>
<?php } ?>
<p><a href="<?= h($logout) ?>">Se déconnecter</a></p>
</main>
</body>
</html>
