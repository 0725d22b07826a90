-- The language an account prefers for the portal and its mail (NULL: none
-- chosen; the portal then follows the browser, mail the site default).
ALTER TABLE accounts ADD COLUMN language TEXT;
