// Runs the veraPDF validation model on one PDF: java -cp CLASSPATH VeraCheck FILE.pdf FLAVOUR...
// (flavours: ua1, ua2, 1b, 2b, 3b, 3a, 2u, ...). Set up and called by tests/checkers/verapdf.py.
// Prints one summary line per flavour and one line per failed rule.
// Exit 0: compliant with every flavour; 1: not compliant; 2: the validator could not run.
import java.io.FileInputStream;
import java.util.Map;
import java.util.TreeMap;
import org.verapdf.gf.foundry.VeraGreenfieldFoundryProvider;
import org.verapdf.pdfa.Foundries;
import org.verapdf.pdfa.PDFAParser;
import org.verapdf.pdfa.PDFAValidator;
import org.verapdf.pdfa.flavours.PDFAFlavour;
import org.verapdf.pdfa.results.TestAssertion;
import org.verapdf.pdfa.results.ValidationResult;

public class VeraCheck {
  public static void main(String[] args) {
    if (args.length < 2) {
      System.err.println("usage: VeraCheck FILE.pdf FLAVOUR...");
      System.exit(2);
    }
    boolean allOk = true;
    try {
      VeraGreenfieldFoundryProvider.initialise();
      for (int i = 1; i < args.length; i++) {
        PDFAFlavour flavour = PDFAFlavour.fromString(args[i]);
        if (flavour == PDFAFlavour.NO_FLAVOUR) {
          System.err.println("unknown flavour: " + args[i]);
          System.exit(2);
        }
        try (PDFAParser parser =
                Foundries.defaultInstance().createParser(new FileInputStream(args[0]), flavour);
            PDFAValidator validator = Foundries.defaultInstance().createValidator(flavour, false)) {
          ValidationResult result = validator.validate(parser);
          Map<String, Integer> failed = new TreeMap<>();
          for (TestAssertion a : result.getTestAssertions()) {
            if (a.getStatus() == TestAssertion.Status.FAILED) {
              String key =
                  a.getRuleId().getClause() + "-" + a.getRuleId().getTestNumber() + " " + a.getMessage();
              failed.merge(key.length() > 160 ? key.substring(0, 160) : key, 1, Integer::sum);
            }
          }
          allOk &= result.isCompliant();
          System.out.println(
              args[0] + " flavour=" + flavour.getId() + " compliant=" + result.isCompliant()
                  + " failed_rules=" + failed.size());
          for (Map.Entry<String, Integer> e : failed.entrySet()) {
            System.out.println("  x" + e.getValue() + " " + e.getKey());
          }
        }
      }
    } catch (Throwable t) { // a broken set-up (e.g. no JAXB runtime) must not look like "not compliant"
      t.printStackTrace();
      System.exit(2);
    }
    System.exit(allOk ? 0 : 1);
  }
}
