;;; cloudpact.el --- cloudpact's language server through eglot  -*- lexical-binding: t; -*-

;; Load this file (or copy its forms into your init file). Eglot runs one server per major
;; mode: listing yaml-mode here replaces a YAML server you may use; drop the modes you do not
;; want cloudpact for.

(require 'eglot)

(define-derived-mode pact-mode prog-mode "Pact"
  "Major mode for cloudpact policy files (.pact)."
  (setq-local comment-start "// ")
  (setq-local comment-end "")
  (setq-local font-lock-defaults
              '((("\\_<\\(policy\\|exclusive\\|first_refusal\\|deny\\|require\\|share\\)\\_>"
                  . font-lock-keyword-face)
                 ("\\_<\\(title\\|owner\\|reference\\|effective\\|where\\|severity\\|message\\|unknown\\|waivable\\|provider\\|holder\\|over\\|refusals\\|assert\\|at_least\\|from\\|until\\|to\\)\\_>"
                  . font-lock-builtin-face)
                 ("\\_<\\(and\\|or\\|not\\|in\\|matches\\)\\_>" . font-lock-keyword-face)
                 ("[0-9]\\{4\\}-[0-9]\\{2\\}-[0-9]\\{2\\}" . font-lock-constant-face)
                 ("[0-9]+\\(\\.[0-9]+\\)?%" . font-lock-constant-face)))))

(modify-syntax-entry ?/ ". 124b" pact-mode-syntax-table)
(modify-syntax-entry ?* ". 23" pact-mode-syntax-table)
(modify-syntax-entry ?\n "> b" pact-mode-syntax-table)
(modify-syntax-entry ?_ "_" pact-mode-syntax-table)

(add-to-list 'auto-mode-alist '("\\.pact\\'" . pact-mode))

(add-to-list 'eglot-server-programs
             '((pact-mode terraform-mode hcl-mode bicep-mode yaml-mode yaml-ts-mode)
               . ("cloudpact" "lsp")))

(provide 'cloudpact)
;;; cloudpact.el ends here
