# A messy file: every comment must survive formatting.
/* block comment
   before the first policy */

policy   messy{title "Messy \"quoted\" terms";owner"ops@example.com"   // who to ask
	reference	"MSA	§4.2" ; effective from 2020-01-01 to 2030-12-31
  // meta and rules without a blank line between them
exclusive  on_azure   {   provider azure,microsoft;where ((kind == ai)) or (tag."app.kubernetes.io/part-of" == "openai-api" and not (gpu))
      message "line one\nline two" /* trailing block */
  severity warning


  unknown warn # a hash comment
  // at the end of the rule
  }
    deny small { provider digitalocean , hetzner ; where kind in [ compute , kubernetes , ] }  // after a rule
  first_refusal capacity
  {
    holder azure
    over   aws,   gcp
    where kind  in [compute, ai]   // the scope
          or gpu   // and accelerators
    refusals "refusals/*.yaml","more/*.yaml";
  }
  require eu { where a == "x" or (b == "y" or c == "z") assert country in eu and (region != "x" and zone != y) ;
    waivable false }
  share half { provider aws at_least 50% where not not gpu }
  exclusive /* inside the header */ empty {}
  // end of the policy
}
policy second { }   // a one-line policy

// the end of the file
