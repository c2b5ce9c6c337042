<?php
// The protected page of the harness's OpenID Connect relying party (test/support OpenidcService:
// Apache + mod_auth_openidc): who the RP authenticated, the claims of the ID token and those of
// the UserInfo response, in tables that sesame::testing::readOpenidcPage() reads back.
// mod_auth_openidc leaves them in Apache's subprocess environment (OIDCPassClaimsAs environment),
// which mod_php exposes as $_SERVER: OIDC_id_token_payload (OIDCPassIDTokenAs payload) and
// OIDC_userinfo_json (OIDCPassUserInfoAs json), each the JSON object as received. A claim whose
// value is an array gets one row per element; any other non-string value is shown as JSON.
// SESAME_RP_REDIRECT_URI and SESAME_RP_LOGGED_OUT_URL make the logout link
// (<redirect_uri>?logout=<url>: mod_auth_openidc's RP-initiated logout at the provider).
header('Content-Type: text/html; charset=utf-8');
header('Cache-Control: no-store');
header('X-Content-Type-Options: nosniff');

function h($s) { return htmlspecialchars((string)$s, ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8'); }

// name => list of values, in the order received.
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
    'userinfo' => ['Réponse UserInfo', claimRows($_SERVER['OIDC_userinfo_json'] ?? null)],
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
