package io.iommufdsim.scenario.internal.values;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;

/**
 * A number as the format writes it: a JSON integer, a string holding a decimal or {@code 0x} hex
 * number, {@code U64_MAX}, or {@code $var}, {@code $var+N}, {@code $var-N} (N decimal or hex).
 * Numbers are unsigned 64-bit; a negative decimal is its two's complement (e.g. an fd of -1).
 * {@code variable} is null for a literal, whose value is {@code offset}.
 */
public record NumberExpr(String variable, long offset) {
    private static final BigInteger MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    /** True if {@code text} is meant as a number (so that it must parse as one) rather than as a name. */
    public static boolean looksNumeric(String text) {
        if (text.isEmpty()) {
            return false;
        }
        char c = text.charAt(0);
        return Character.isDigit(c) || c == '-' || c == '$' || text.equals("U64_MAX");
    }

    public static NumberExpr of(JsonNode node) throws ValueProblem {
        if (node.isIntegralNumber()) {
            return new NumberExpr(null, checkedRange(node.bigIntegerValue(), node.asText()));
        }
        if (node.isTextual()) {
            return parse(node.textValue());
        }
        throw new ValueProblem("bad number " + node + ": expected an integer or a string holding one");
    }

    public static NumberExpr parse(String text) throws ValueProblem {
        if (text.equals("U64_MAX")) {
            return new NumberExpr(null, -1L);
        }
        if (text.startsWith("$")) {
            int end = 1;
            while (end < text.length() && isNameChar(text.charAt(end))) {
                end++;
            }
            if (end == 1) {
                throw new ValueProblem("bad number \"" + text + "\": $ without a variable name");
            }
            String name = text.substring(1, end);
            if (end == text.length()) {
                return new NumberExpr(name, 0);
            }
            char sign = text.charAt(end);
            String rest = text.substring(end + 1);
            if ((sign != '+' && sign != '-') || rest.isEmpty() || rest.startsWith("-")) {
                throw new ValueProblem("bad number \"" + text + "\": expected $var, $var+N or $var-N");
            }
            long n = literal(rest, text);
            return new NumberExpr(name, sign == '+' ? n : -n);
        }
        return new NumberExpr(null, literal(text, text));
    }

    private static long literal(String text, String whole) throws ValueProblem {
        BigInteger v;
        try {
            if (text.startsWith("0x") || text.startsWith("0X")) {
                String digits = text.substring(2);
                if (digits.isEmpty() || digits.length() > 16 || digits.startsWith("+") || digits.startsWith("-")) {
                    throw new NumberFormatException();
                }
                v = new BigInteger(digits, 16);
            } else {
                if (text.isEmpty() || text.startsWith("+")) {
                    throw new NumberFormatException();
                }
                v = new BigInteger(text, 10);
            }
        } catch (NumberFormatException e) {
            throw new ValueProblem("bad number \"" + whole + "\"");
        }
        return checkedRange(v, whole);
    }

    private static long checkedRange(BigInteger v, String whole) throws ValueProblem {
        if (v.compareTo(MIN) < 0 || v.compareTo(MAX) > 0) {
            throw new ValueProblem("bad number " + whole + ": outside the 64-bit range");
        }
        return v.longValue();
    }

    public static boolean isNameChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    public long eval(Vars vars) throws StepError {
        return variable == null ? offset : vars.number(variable) + offset;
    }
}
